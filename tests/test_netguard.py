"""The URL guard: internal addresses are refused however they are spelled, redirects are
checked hop by hop, and slow, huge or failing servers end in a one-line error."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from loopback_http import LoopbackServer, QuietHandler
from pixelwise.domain.errors import InvalidInput
from pixelwise.storage.sources.netguard import (
    BlockedUrl,
    FetchFailed,
    TooLarge,
    UrlPolicy,
    blocked_reason,
    check_url,
    guarded_client,
    open_url,
)

OPEN = UrlPolicy(allow_hosts=("127.0.0.1",), timeout_seconds=2.0, max_redirects=5)


# a real server -----------------------------------------------------------------------------


class Server(LoopbackServer):
    def __init__(self, host: str) -> None:
        super().__init__((host, 0), Handler)
        self.hits: list[str] = []
        self.hosts: list[str] = []
        self.closing = threading.Event()


class Handler(QuietHandler):
    server: Server

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        self.server.hosts.append(self.headers.get("Host", ""))
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        route = parts.path.strip("/").split("/")
        if route[0] == "hello":
            self.reply(200, b"hello")
        elif route[0] == "redirect":
            left = int(route[1])
            if left == 0:
                self.reply(200, b"arrived")
            else:
                self.redirect(f"/redirect/{left - 1}")
        elif route[0] == "loop":
            self.redirect("/loop/b" if route[1] == "a" else "/loop/a")
        elif route[0] == "to":
            self.redirect(query["url"])
        elif route[0] == "nolocation":
            self.reply(302, b"")
        elif route[0] == "status":
            self.reply(int(route[1]), b"oops")
        elif route[0] == "big":
            self.big(int(query["size"]), chunked=query.get("chunked") == "1")
        elif route[0] == "slow-headers":
            self.server.closing.wait(5)
        elif route[0] == "slow-body":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"x" * 10)
            self.wfile.flush()
            self.server.closing.wait(5)
        elif route[0] == "trickle":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(50):
                if self.server.closing.wait(0.05):
                    return
                self.wfile.write(b"1\r\nx\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.reply(404, b"no such route")

    def reply(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def big(self, size: int, *, chunked: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        block = b"z" * 65536
        sent = 0
        try:
            while sent < size:
                piece = block[: min(len(block), size - sent)]
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                else:
                    self.wfile.write(piece)
                sent += len(piece)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client hung up, as it should past the limit


def serve(host: str) -> Iterator[Server]:
    server = Server(host)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.closing.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    yield from serve("127.0.0.1")


@pytest.fixture
def other_loopback() -> Iterator[Server]:
    """A server on 127.0.0.2: still loopback, so blocked when only 127.0.0.1 is allowed."""
    try:
        probe = socket.socket()
        probe.bind(("127.0.0.2", 0))
        probe.close()
    except OSError:
        pytest.skip("127.0.0.2 cannot be bound on this machine")
    yield from serve("127.0.0.2")


# addresses ---------------------------------------------------------------------------------

BLOCKED = [
    ("http://127.0.0.1/", "127.0.0.1 is a loopback address"),
    ("http://127.255.255.254/", "loopback"),
    ("http://[::1]/", "::1 is a loopback address"),
    ("http://10.1.2.3/", "private address (RFC 1918)"),
    ("http://172.16.0.1/", "private address (RFC 1918)"),
    ("http://172.31.255.255/", "private address (RFC 1918)"),
    ("http://192.168.1.1/", "private address (RFC 1918)"),
    ("http://[fc00::1]/", "private (unique-local)"),
    ("http://[fd12:3456::1]/", "private (unique-local)"),
    ("http://169.254.10.20/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://169.254.169.254/latest/meta-data/", "the cloud instance-metadata service"),
    ("http://[fd00:ec2::254]/", "the cloud instance-metadata service"),
    ("http://100.64.0.1/", "carrier-grade NAT"),
    ("http://100.127.255.254/", "carrier-grade NAT"),
    ("http://224.0.0.1/", "multicast"),
    ("http://239.255.255.250/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "broadcast"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://192.0.2.10/", "documentation"),
    ("http://198.18.0.1/", "benchmarking"),
    ("http://[::ffff:127.0.0.1]/", "IPv4-mapped IPv6 address of 127.0.0.1, a loopback"),
    ("http://[::ffff:10.0.0.1]/", "IPv4-mapped IPv6 address of 10.0.0.1, a private"),
    ("http://[::ffff:169.254.169.254]/", "169.254.169.254, the cloud instance-metadata"),
    ("http://[::ffff:0:7f00:1]/", "IPv4-translated IPv6 address of 127.0.0.1"),
    ("http://[::127.0.0.1]/", "IPv4-compatible IPv6 address of 127.0.0.1"),
    ("http://[64:ff9b::a9fe:a9fe]/", "NAT64 IPv6 address of 169.254.169.254"),
    ("http://[2002:7f00:1::]/", "6to4 IPv6 address embedding 127.0.0.1, a loopback"),
    ("http://[2002:a00:1::1]/", "6to4 IPv6 address embedding 10.0.0.1, a private"),
    (
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
        "Teredo IPv6 address embedding 127.0.0.1, a loopback",
    ),
]


@pytest.mark.parametrize(("url", "why"), BLOCKED)
def test_internal_addresses_are_refused(url: str, why: str) -> None:
    with pytest.raises(BlockedUrl) as caught:
        check_url(url, UrlPolicy())
    assert isinstance(caught.value, InvalidInput)
    assert why in caught.value.detail
    assert caught.value.detail.startswith(f"Refused {url}: ")
    assert "\n" not in caught.value.detail


@pytest.mark.parametrize(
    "url", ["http://8.8.8.8/a.png", "https://[2606:4700:4700::1111]/", "http://[::ffff:8.8.8.8]/"]
)
def test_public_addresses_pass(url: str) -> None:
    check_url(url, UrlPolicy())


def test_blocked_reason_names_the_kind_of_address() -> None:
    assert blocked_reason(ipaddress.ip_address("93.184.216.34")) is None
    assert blocked_reason(ipaddress.ip_address("127.0.0.5")) == "a loopback address"
    assert blocked_reason(ipaddress.ip_address("172.20.0.1")) == "a private address (RFC 1918)"


NUMERIC_TRICKS = [
    "2130706433",  # decimal
    "0x7f000001",  # hexadecimal
    "0177.0.0.1",  # octal
    "0x7f.0.0.1",
    "127.1",  # short form
    "127.000.000.001",
    "[::ffff:127.0.0.1]",
    "[0:0:0:0:0:ffff:7f00:1]",
    "localhost",
    "LocalHost",
]


@pytest.mark.parametrize("host", NUMERIC_TRICKS)
def test_other_spellings_of_loopback_are_refused(host: str) -> None:
    with pytest.raises(BlockedUrl, match="loopback"):
        check_url(f"http://{host}/", UrlPolicy())


@pytest.mark.parametrize("host", NUMERIC_TRICKS)
def test_other_spellings_of_loopback_are_not_fetched(host: str, server: Server) -> None:
    """A server listens on the address, so anything but a refusal would reach it."""
    port = server.server_address[1]
    with pytest.raises(BlockedUrl, match="loopback"):
        open_url(f"http://{host}:{port}/hello", UrlPolicy(timeout_seconds=2))
    assert server.hits == []


def test_a_fully_qualified_localhost_is_not_fetched(server: Server) -> None:
    """`localhost.` is resolved as written: refused as loopback, or not found."""
    port = server.server_address[1]
    with pytest.raises(InvalidInput, match=r"loopback|does not resolve"):
        open_url(f"http://localhost.:{port}/hello", UrlPolicy(timeout_seconds=2))
    assert server.hits == []


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://8.8.8.8/file.png", "the scheme 'ftp' is not allowed, use http or https"),
        ("file:///etc/passwd", "the scheme 'file' is not allowed, use http or https"),
        ("gopher://8.8.8.8/", "the scheme 'gopher' is not allowed, use http or https"),
        ("http://user:secret@8.8.8.8/a.png", "user names and passwords in URLs are not accepted"),
        ("http://user@8.8.8.8/a.png", "user names and passwords in URLs are not accepted"),
        ("http:///a.png", "the URL has no host"),
    ],
)
def test_malformed_urls_are_refused(url: str, why: str) -> None:
    with pytest.raises(BlockedUrl) as caught:
        check_url(url, UrlPolicy())
    assert caught.value.detail == f"Refused {url}: {why}."


def test_a_policy_can_allow_only_https() -> None:
    with pytest.raises(BlockedUrl, match="'http' is not allowed, use https"):
        check_url("http://8.8.8.8/", UrlPolicy(schemes=("https",)))


def test_a_host_that_does_not_resolve_fails_clearly() -> None:
    with pytest.raises(FetchFailed, match=r"the host name nothing\.invalid does not resolve"):
        check_url("http://nothing.invalid/a.png", UrlPolicy())


def test_the_allow_list_takes_names_addresses_and_networks() -> None:
    check_url("http://127.0.0.1/", UrlPolicy(allow_hosts=("127.0.0.1",)))
    check_url("http://localhost/", UrlPolicy(allow_hosts=("LocalHost",)))
    check_url("http://10.2.3.4/", UrlPolicy(allow_hosts=("10.0.0.0/8",)))
    check_url("http://[fd00::5]/", UrlPolicy(allow_hosts=("fd00::/8",)))
    check_url("http://[::ffff:127.0.0.1]/", UrlPolicy(allow_hosts=("127.0.0.1",)))
    with pytest.raises(BlockedUrl, match=r"127\.0\.0\.2 is a loopback"):
        check_url("http://127.0.0.2/", UrlPolicy(allow_hosts=("127.0.0.1",)))
    with pytest.raises(BlockedUrl, match=r"10\.0\.0\.1 is a private"):
        check_url("http://10.0.0.1/", UrlPolicy(allow_hosts=("localhost", "10.1.0.0/16")))


@pytest.mark.parametrize("entry", ["http://intranet", "10.0.0.0/33", "host:8080", ""])
def test_a_bad_allow_list_entry_is_a_configuration_error(entry: str) -> None:
    with pytest.raises(ValueError, match="allow_hosts"):
        UrlPolicy(allow_hosts=(entry,))


# pinning the checked address ---------------------------------------------------------------


def fake_dns(monkeypatch: pytest.MonkeyPatch, name: str, answers: list[str]) -> list[str]:
    """Make `name` resolve to each of `answers` in turn (the last one from then on), the
    way a rebinding DNS server would; returns the log of lookups of `name`."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return real(host, port, *args, **kwargs)
        address = answers[min(len(lookups), len(answers) - 1)]
        lookups.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


def test_the_connection_goes_to_the_address_that_was_checked(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups = fake_dns(monkeypatch, "rebind.test", ["127.0.0.1", "10.0.0.1"])
    port = server.server_address[1]
    with open_url(f"http://rebind.test:{port}/hello", OPEN) as response:
        assert response.read() == b"hello"
    assert lookups == ["127.0.0.1"]  # one lookup: the later answer is never used
    assert server.hosts == [f"rebind.test:{port}"]


def test_a_name_that_resolves_inside_is_refused_at_connection_time(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch, "rebind.test", ["10.0.0.1"])
    port = server.server_address[1]
    with pytest.raises(BlockedUrl) as caught:
        open_url(f"http://rebind.test:{port}/hello", OPEN)
    assert caught.value.detail == (
        f"Refused http://rebind.test:{port}/hello: rebind.test resolves to 10.0.0.1, "
        "a private address (RFC 1918), which may not be fetched."
    )


def test_the_guarded_client_refuses_on_its_own(server: Server) -> None:
    with guarded_client(UrlPolicy()) as client, pytest.raises(BlockedUrl, match="loopback"):
        client.get(f"{server.base}/hello")
    assert server.hits == []


def test_proxies_from_the_environment_are_ignored(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    with open_url(f"{server.base}/hello", OPEN) as response:
        assert response.read() == b"hello"


# fetching ----------------------------------------------------------------------------------


def test_an_allow_listed_server_is_fetched(server: Server) -> None:
    with open_url(f"{server.base}/hello", OPEN) as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        assert response.content_length == 5
        assert response.final_url == f"{server.base}/hello"
        assert b"".join(response.iter_bytes()) == b"hello"


def test_redirects_within_the_limit_are_followed(server: Server) -> None:
    with open_url(f"{server.base}/redirect/5", OPEN) as response:
        assert response.read() == b"arrived"
        assert response.final_url == f"{server.base}/redirect/0"
    assert len(server.hits) == 6


def test_redirects_past_the_limit_fail(server: Server) -> None:
    with pytest.raises(FetchFailed) as caught:
        open_url(f"{server.base}/redirect/6", OPEN)
    assert caught.value.detail == (
        f"Too many redirects: {server.base}/redirect/6 still redirects after 5."
    )
    assert len(server.hits) == 6


def test_no_redirect_is_followed_when_none_are_allowed(server: Server) -> None:
    with pytest.raises(FetchFailed, match="Too many redirects"):
        open_url(
            f"{server.base}/redirect/1", UrlPolicy(allow_hosts=("127.0.0.1",), max_redirects=0)
        )


def test_a_redirect_loop_fails(server: Server) -> None:
    with pytest.raises(FetchFailed) as caught:
        open_url(f"{server.base}/loop/a", OPEN)
    assert caught.value.detail == (
        f"Redirect loop: {server.base}/loop/b sends back to {server.base}/loop/a."
    )


def test_a_redirect_to_a_blocked_address_is_refused(server: Server, other_loopback: Server) -> None:
    target = f"{other_loopback.base}/hello"
    with pytest.raises(BlockedUrl) as caught:
        open_url(f"{server.base}/to?url={target}", OPEN)
    assert caught.value.detail == (
        f"Refused {target}: 127.0.0.2 is a loopback address, which may not be fetched "
        f"(redirected from {server.base}/to?url={target})."
    )
    assert other_loopback.hits == []
    # ... and reaches it once the allow-list covers it
    with open_url(
        f"{server.base}/to?url={target}", UrlPolicy(allow_hosts=("127.0.0.0/8",))
    ) as response:
        assert response.read() == b"hello"


def test_a_redirect_to_another_scheme_is_refused(server: Server) -> None:
    with pytest.raises(BlockedUrl, match=r"the scheme 'file' is not allowed.*redirected from"):
        open_url(f"{server.base}/to?url=file:///etc/passwd", OPEN)


def test_a_redirect_without_location_fails(server: Server) -> None:
    with pytest.raises(FetchFailed, match=r"HTTP 302 from .* has no Location header"):
        open_url(f"{server.base}/nolocation", OPEN)


@pytest.mark.parametrize("status", [404, 500, 403])
def test_http_errors_fail_clearly(server: Server, status: int) -> None:
    with pytest.raises(FetchFailed) as caught:
        open_url(f"{server.base}/status/{status}", OPEN)
    assert caught.value.detail == f"HTTP {status} from {server.base}/status/{status}"


def test_a_declared_size_over_the_limit_is_refused_before_reading(server: Server) -> None:
    policy = UrlPolicy(allow_hosts=("127.0.0.1",), max_bytes=100_000)
    with pytest.raises(TooLarge) as caught:
        open_url(f"{server.base}/big?size=100001", policy)
    assert caught.value.detail == (
        f"{server.base}/big?size=100001 is larger than the limit of 100000 bytes per file."
    )
    with open_url(f"{server.base}/big?size=100000", policy) as response:
        assert len(response.read()) == 100_000


def test_an_undeclared_size_over_the_limit_stops_while_reading(server: Server) -> None:
    policy = UrlPolicy(allow_hosts=("127.0.0.1",), max_bytes=200_000)
    with open_url(f"{server.base}/big?size=50000000&chunked=1", policy) as response:
        assert response.content_length is None
        received: list[int] = []
        with pytest.raises(TooLarge, match="larger than the limit of 200000 bytes"):
            received.extend(len(chunk) for chunk in response.iter_bytes())
        assert sum(received) <= 200_000
    with open_url(f"{server.base}/big?size=200000&chunked=1", policy) as response:
        assert len(response.read()) == 200_000


def test_a_server_that_does_not_answer_times_out(server: Server) -> None:
    policy = UrlPolicy(allow_hosts=("127.0.0.1",), timeout_seconds=0.5)
    started = time.monotonic()
    with pytest.raises(FetchFailed) as caught:
        open_url(f"{server.base}/slow-headers", policy)
    assert time.monotonic() - started < 2
    assert caught.value.detail == (
        f"Timed out after 0.5 s waiting for data from {server.base}/slow-headers."
    )


def test_a_body_that_stalls_times_out(server: Server) -> None:
    policy = UrlPolicy(allow_hosts=("127.0.0.1",), timeout_seconds=0.5)
    started = time.monotonic()
    with (
        open_url(f"{server.base}/slow-body", policy) as response,
        pytest.raises(FetchFailed, match=r"Timed out after 0\.5 s waiting for data"),
    ):
        response.read()
    assert time.monotonic() - started < 2


def test_a_trickling_server_hits_the_total_time_limit(server: Server) -> None:
    policy = UrlPolicy(allow_hosts=("127.0.0.1",), timeout_seconds=1, total_seconds=0.5)
    with (
        open_url(f"{server.base}/trickle", policy) as response,
        pytest.raises(FetchFailed, match=r"took longer than 0\.5 s"),
    ):
        response.read()


def test_a_refused_connection_fails_clearly() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(FetchFailed) as caught:
        open_url(f"http://127.0.0.1:{port}/a.png", OPEN)
    assert caught.value.detail.startswith(f"Could not connect to http://127.0.0.1:{port}/a.png: ")
    assert "refused" in caught.value.detail.lower()


# TLS ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A CA, and a certificate it signed for the name "localhost" (key file, cert file)."""
    crypto = pytest.importorskip("cryptography")
    del crypto
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    key_file = folder / "key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_file = folder / "cert.pem"
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file, ca.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture
def tls_server(certificates: tuple[Path, Path, str]) -> Iterator[Server]:
    key_file, cert_file, _ca = certificates
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = Server("127.0.0.1")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server
    server.closing.set()
    server.shutdown()
    server.server_close()


def trusting(ca: str) -> ssl.SSLContext:
    return ssl.create_default_context(cadata=ca)


def test_https_is_pinned_and_still_verified_against_the_host_name(
    tls_server: Server, certificates: tuple[Path, Path, str]
) -> None:
    port = tls_server.server_address[1]
    policy = UrlPolicy(allow_hosts=("localhost",), timeout_seconds=2)
    with (
        guarded_client(policy, ssl_context=trusting(certificates[2])) as client,
        open_url(f"https://localhost:{port}/hello", policy, client=client) as response,
    ):
        assert response.read() == b"hello"
    assert tls_server.hosts == [f"localhost:{port}"]


def test_a_certificate_for_another_name_is_a_tls_error(
    tls_server: Server, certificates: tuple[Path, Path, str]
) -> None:
    port = tls_server.server_address[1]
    with (
        guarded_client(OPEN, ssl_context=trusting(certificates[2])) as client,
        pytest.raises(FetchFailed) as caught,
    ):
        open_url(f"https://127.0.0.1:{port}/hello", OPEN, client=client)
    assert caught.value.detail.startswith(f"TLS error with https://127.0.0.1:{port}/hello: ")
    assert "127.0.0.1" in caught.value.detail.split(": ", 1)[1]


def test_an_untrusted_certificate_is_a_tls_error(tls_server: Server) -> None:
    port = tls_server.server_address[1]
    policy = UrlPolicy(allow_hosts=("localhost",), timeout_seconds=2)
    with pytest.raises(FetchFailed, match=r"TLS error with .*certificate"):
        open_url(f"https://localhost:{port}/hello", policy)


def test_https_to_a_plain_http_server_is_a_tls_error(server: Server) -> None:
    port = server.server_address[1]
    with pytest.raises(FetchFailed, match=f"TLS error with https://127.0.0.1:{port}/hello"):
        open_url(f"https://127.0.0.1:{port}/hello", OPEN)
