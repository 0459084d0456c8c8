"""Fetching URLs that people hand us without letting them reach inside our own network.

A URL in an import CSV is chosen by whoever uploads it, but fetched by the server, from
inside the server's network: a classic server-side request forgery (SSRF) hole. This
module is the only way import code fetches such URLs, and it refuses:

* schemes other than those of the `UrlPolicy` (http and https), user names or passwords
  in the URL, and URLs without a host;
* any host that resolves (all A and AAAA records) to an address that is not public:
  loopback, private (RFC 1918, IPv6 unique-local), link-local (with the cloud metadata
  services 169.254.169.254 and fd00:ec2::254), carrier-grade NAT 100.64.0.0/10, multicast,
  broadcast, reserved, unspecified, documentation and benchmarking ranges, and IPv6 forms
  that embed such an IPv4 address (IPv4-mapped, IPv4-translated, IPv4-compatible, NAT64,
  6to4, Teredo). Numeric spellings such as `2130706433`, `0177.0.0.1` or `127.1` are
  resolved the way the system resolver reads them, so they are caught as what they are;
* all of this again for every redirect, which is followed by hand, at most
  `max_redirects` times, never in a loop.

An operator can let trusted internal hosts through with `UrlPolicy.allow_hosts`: exact host
names, addresses or CIDR networks.

DNS rebinding. Checking a host name and then letting the HTTP library resolve it again
would let a hostile DNS server answer "public" to the check and "127.0.0.1" to the
connection. Here the check happens where the connection is made: the httpx client of
`guarded_client` runs on an httpcore network backend that resolves the host once, checks
every address, and opens the socket to an address it has just checked. TLS is unchanged by
this: httpcore still sends the URL's host name as SNI and verifies the certificate
against it, so the pinning covers https as well as http. The only private piece of httpx
this relies on is the connection pool that `httpx.HTTPTransport` keeps in `_pool`, which
`GuardedTransport` replaces with one built on the guarded backend.

Proxies named in the environment (HTTP_PROXY and friends) are ignored: a proxy would
resolve and connect on our behalf, out of reach of the check. Host-name resolution uses the
system resolver and its own time limits; connecting, reading and writing use
`timeout_seconds`. Bodies are counted as they arrive, so a lying or missing
Content-Length cannot push a download past `max_bytes`.

Every refusal is a `BlockedUrl`, every failure to fetch a `FetchFailed` and every body over
the limit a `TooLarge`: all `InvalidInput`, one line each, naming the URL.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import httpcore
import httpx

from pixelwise.domain.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_SHOWN_URL_CHARS = 200
_USER_AGENT = "pixelwise-url-import"

# Ranges refused with a reason a person can read. Order matters: the first match wins, so
# the metadata services come before the link-local ranges that contain them.
_V4_RANGES: tuple[tuple[ipaddress.IPv4Network, str], ...] = tuple(
    (ipaddress.IPv4Network(net), why)
    for net, why in (
        ("169.254.169.254/32", "the cloud instance-metadata service"),
        ("0.0.0.0/8", "an unspecified ('this network') address"),
        ("10.0.0.0/8", "a private address (RFC 1918)"),
        ("100.64.0.0/10", "a carrier-grade NAT address (100.64.0.0/10)"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.0.0/16", "a link-local address"),
        ("172.16.0.0/12", "a private address (RFC 1918)"),
        ("192.0.0.0/24", "an IETF protocol address"),
        ("192.0.2.0/24", "a documentation address"),
        ("192.88.99.0/24", "a 6to4 relay address"),
        ("192.168.0.0/16", "a private address (RFC 1918)"),
        ("198.18.0.0/15", "a benchmarking address"),
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("224.0.0.0/4", "a multicast address"),
        ("255.255.255.255/32", "the broadcast address"),
        ("240.0.0.0/4", "a reserved address"),
    )
)
_V6_RANGES: tuple[tuple[ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.IPv6Network(net), why)
    for net, why in (
        ("fd00:ec2::254/128", "the cloud instance-metadata service"),
        ("::/128", "an unspecified address"),
        ("::1/128", "a loopback address"),
        ("fc00::/7", "a private (unique-local) address"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a site-local address"),
        ("ff00::/8", "a multicast address"),
        ("100::/64", "a discard-only address"),
        ("2001:db8::/32", "a documentation address"),
    )
)
# IPv6 prefixes whose last 32 bits are an IPv4 address the packets end up at.
_V4_IN_LAST_32_BITS: tuple[tuple[ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.IPv6Network(net), form)
    for net, form in (
        ("::ffff:0:0/96", "an IPv4-mapped"),
        ("::ffff:0:0:0/96", "an IPv4-translated"),
        ("64:ff9b::/96", "a NAT64"),
        ("64:ff9b:1::/48", "a local NAT64"),
        ("::/96", "an IPv4-compatible"),
    )
)
# Forms whose embedded public IPv4 address is as good as the address itself.
_PASS_THROUGH_FORMS = frozenset({"an IPv4-mapped", "a NAT64"})


class BlockedUrl(InvalidInput):
    """The URL may not be fetched from this server; `reason` says why, without the URL."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Refused {shown(url)}: {reason}.", field="url")
        self.url = url
        self.reason = reason


class FetchFailed(InvalidInput):
    """The URL was allowed but could not be fetched (HTTP error, timeout, TLS, redirects)."""

    def __init__(self, detail: str, url: str) -> None:
        super().__init__(" ".join(detail.split()), field="url")
        self.url = url


class TooLarge(InvalidInput):
    """The body is (or says it is) larger than the policy's `max_bytes`."""

    def __init__(self, url: str, limit: int) -> None:
        super().__init__(
            f"{shown(url)} is larger than the limit of {limit} bytes per file.", field="url"
        )
        self.url = url
        self.limit = limit


def shown(url: str) -> str:
    """`url` cut to a length that fits in a one-line message."""
    url = " ".join(url.split())
    if len(url) <= _SHOWN_URL_CHARS:
        return url
    return url[: _SHOWN_URL_CHARS - 3] + "..."


@dataclass(frozen=True)
class UrlPolicy:
    """What may be fetched, and how much of it.

    `allow_hosts` lists host names (matched exactly, case-insensitively), IP addresses and
    CIDR networks that are let through although they are not public. `timeout_seconds`
    bounds connecting and each wait for data; `total_seconds`, when set, bounds a whole
    download, redirects included (it catches servers that trickle bytes just fast enough).
    """

    allow_hosts: tuple[str, ...] = ()
    timeout_seconds: float = 10.0
    max_redirects: int = 5
    max_bytes: int = 1024 * 1024 * 1024
    schemes: tuple[str, ...] = ("http", "https")
    total_seconds: float | None = None
    _names: frozenset[str] = field(init=False, repr=False, compare=False)
    _networks: tuple[IPNetwork, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.allow_hosts, str):
            raise ValueError("UrlPolicy.allow_hosts must be a tuple of strings, not a string")
        if self.timeout_seconds <= 0:
            raise ValueError("UrlPolicy.timeout_seconds must be positive")
        if self.total_seconds is not None and self.total_seconds <= 0:
            raise ValueError("UrlPolicy.total_seconds must be positive (or None)")
        if self.max_redirects < 0:
            raise ValueError("UrlPolicy.max_redirects must not be negative")
        if self.max_bytes <= 0:
            raise ValueError("UrlPolicy.max_bytes must be positive")
        schemes = tuple(scheme.lower() for scheme in self.schemes)
        if not schemes or not set(schemes) <= {"http", "https"}:
            raise ValueError("UrlPolicy.schemes must be http, https or both")
        names: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in self.allow_hosts:
            network = _allow_entry(entry)
            if isinstance(network, str):
                names.add(network)
            else:
                networks.append(network)
        object.__setattr__(self, "allow_hosts", tuple(self.allow_hosts))
        object.__setattr__(self, "schemes", schemes)
        object.__setattr__(self, "_names", frozenset(names))
        object.__setattr__(self, "_networks", tuple(networks))

    def allows_host(self, host: str) -> bool:
        """Whether `host` is allow-listed by name (or is an allow-listed address)."""
        name = _normal_host(host)
        if name in self._names:
            return True
        try:
            return self.allows_address(ipaddress.ip_address(name))
        except ValueError:
            return False

    def allows_address(self, address: IPAddress) -> bool:
        """Whether `address` lies in an allow-listed network (IPv4-mapped forms included)."""
        candidates: list[IPAddress] = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)
        return any(
            candidate.version == network.version and candidate in network
            for candidate in candidates
            for network in self._networks
        )


def _allow_entry(entry: str) -> str | IPNetwork:
    text = entry.strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if not text:
        raise ValueError("UrlPolicy.allow_hosts has an empty entry")
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        pass
    if any(char in text for char in "/:@ \t"):
        raise ValueError(
            f"UrlPolicy.allow_hosts entry {entry!r} is not a host name, an IP address or a "
            "CIDR network"
        )
    return text.rstrip(".")


def _normal_host(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host.rstrip(".")


def blocked_reason(address: IPAddress) -> str | None:
    """Why `address` may not be fetched without an allow-list entry (None when public),
    e.g. "a loopback address" or "a 6to4 IPv6 address embedding 10.0.0.1, a private
    address (RFC 1918)"."""
    if isinstance(address, ipaddress.IPv4Address):
        return _v4_reason(address)
    return _v6_reason(address)


def _v4_reason(address: ipaddress.IPv4Address) -> str | None:
    for network, why in _V4_RANGES:
        if address in network:
            return why
    if not address.is_global or address.is_multicast or address.is_reserved:
        return "not a publicly routable address"
    return None


def _v6_reason(address: ipaddress.IPv6Address) -> str | None:
    bare = ipaddress.IPv6Address(int(address))  # without a %scope
    for network, form in _V4_IN_LAST_32_BITS:
        if bare in network and int(bare) > 1:
            embedded = ipaddress.IPv4Address(int(bare) & 0xFFFFFFFF)
            inner = _v4_reason(embedded)
            if inner is not None:
                return f"{form} IPv6 address of {embedded}, {inner}"
            if form in _PASS_THROUGH_FORMS:
                return None
            return f"{form} IPv6 address (not allowed)"
    if bare.sixtofour is not None:
        inner = _v4_reason(bare.sixtofour)
        if inner is not None:
            return f"a 6to4 IPv6 address embedding {bare.sixtofour}, {inner}"
    if bare.teredo is not None:
        for embedded in reversed(bare.teredo):  # the client (destination) first
            inner = _v4_reason(embedded)
            if inner is not None:
                return f"a Teredo IPv6 address embedding {embedded}, {inner}"
        return "a Teredo IPv6 address (not allowed)"
    for network, why in _V6_RANGES:
        if bare in network:
            return why
    if not bare.is_global or bare.is_multicast or bare.is_reserved:
        return "not a publicly routable address"
    return None


def resolve_checked(host: str, policy: UrlPolicy) -> list[str]:
    """Every address `host` resolves to, in the resolver's order, once all are checked.

    BlockedUrl (naming the host) when one of them may not be fetched, FetchFailed when the
    name does not resolve. An allow-listed host name lets all its addresses through.
    """
    name = _normal_host(host)  # for messages and the allow-list
    lookup = host.strip().removeprefix("[").removesuffix("]")  # resolved as given
    try:
        literal: IPAddress | None = ipaddress.ip_address(lookup)
    except ValueError:
        literal = None
    if literal is not None:
        found = [literal]
    else:
        try:
            infos = socket.getaddrinfo(lookup, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise FetchFailed(f"the host name {name} does not resolve ({exc})", host) from None
        found = []
        for info in infos:
            address = ipaddress.ip_address(info[4][0])
            if address not in found:
                found.append(address)
        if not found:
            raise FetchFailed(f"the host name {name} has no address", host)
    if not policy.allows_host(name):
        for address in found:
            if policy.allows_address(address):
                continue
            why = blocked_reason(address)
            if why is None:
                continue
            if literal is not None:
                raise BlockedUrl(host, f"{address} is {why}, which may not be fetched")
            raise BlockedUrl(host, f"{name} resolves to {address}, {why}, which may not be fetched")
    return [str(address) for address in found]


def checked_url(url: str, policy: UrlPolicy) -> httpx.URL:
    """`url` parsed, once its scheme, credentials and host pass the policy; BlockedUrl
    otherwise. Its host is not resolved (see `resolve_checked` and `check_url`)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        # httpx refuses some numeric spellings of addresses (0177.0.0.1) that the system
        # resolver accepts: say what they point at, rather than only "invalid".
        try:
            host = urlsplit(url).hostname
        except ValueError:
            host = None
        if host:
            try:
                resolve_checked(host, policy)
            except BlockedUrl as blocked:
                raise BlockedUrl(url, blocked.reason) from None
            except FetchFailed:
                pass
        raise BlockedUrl(url, f"not a valid URL ({exc})") from None
    if parsed.scheme not in policy.schemes:
        allowed = " or ".join(policy.schemes)
        raise BlockedUrl(
            url, f"the scheme {parsed.scheme or '(none)'!r} is not allowed, use {allowed}"
        )
    if parsed.userinfo:
        raise BlockedUrl(url, "user names and passwords in URLs are not accepted")
    if not parsed.host:
        raise BlockedUrl(url, "the URL has no host")
    return parsed


def check_url(url: str, policy: UrlPolicy) -> None:
    """Refuse `url` (BlockedUrl) unless it may be fetched under `policy`, resolving its host.

    FetchFailed when the host name does not resolve. Passing this check does not make a
    later fetch safe by itself (DNS answers change): fetch only through `open_url`.
    """
    parsed = checked_url(url, policy)
    try:
        resolve_checked(parsed.host, policy)
    except BlockedUrl as exc:
        raise BlockedUrl(url, exc.reason) from None
    except FetchFailed as exc:
        raise FetchFailed(f"Could not fetch {shown(url)}: {exc.detail}.", url) from None


class _GuardedBackend(httpcore.NetworkBackend):
    """Opens TCP connections only to addresses that were resolved and checked right here."""

    def __init__(self, policy: UrlPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        failure: httpcore.ConnectError | None = None
        for address in resolve_checked(host, self._policy):
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise BlockedUrl(path, "Unix sockets may not be fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """An httpx transport whose every connection goes to an address checked by the guard."""

    def __init__(
        self,
        policy: UrlPolicy,
        *,
        max_connections: int = 100,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        context = ssl_context if ssl_context is not None else httpx.create_ssl_context()
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        super().__init__(verify=context, trust_env=False, limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(policy),
        )


def guarded_client(
    policy: UrlPolicy,
    *,
    max_connections: int = 100,
    ssl_context: ssl.SSLContext | None = None,
) -> httpx.Client:
    """An httpx client that only connects where `policy` allows and never follows redirects
    on its own (use `open_url`, which checks each hop). Share one between threads.

    `ssl_context` replaces the default trust store (e.g. to trust an internal CA).
    """
    return httpx.Client(
        transport=GuardedTransport(
            policy, max_connections=max_connections, ssl_context=ssl_context
        ),
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(policy.timeout_seconds),
        # Uncompressed, so that the bytes counted against max_bytes are those sent.
        headers={"accept-encoding": "identity", "user-agent": _USER_AGENT},
    )


class GuardedResponse:
    """A successful (2xx) response whose body has not been read yet; close it when done.

    Use it as a context manager. `iter_bytes()` yields the body once, raising TooLarge as
    soon as more than the policy's `max_bytes` arrived and FetchFailed when the transfer
    breaks off or times out.
    """

    def __init__(
        self,
        response: httpx.Response,
        policy: UrlPolicy,
        *,
        owned_client: httpx.Client | None,
        started: float,
    ) -> None:
        self._response = response
        self._policy = policy
        self._owned_client = owned_client
        self._started = started
        self.status = response.status_code
        self.final_url = str(response.url)
        self.headers = response.headers
        content_type = response.headers.get("content-type")
        self.content_type: str | None = content_type.strip() if content_type else None
        self.content_length = _content_length(response.headers)

    def iter_bytes(self) -> Iterator[bytes]:
        """The body in chunks as they arrive (up to 64 KiB each), counted against
        `max_bytes` and, when set, the policy's `total_seconds`."""
        received = 0
        chunks = self._response.iter_bytes()
        while True:
            try:
                chunk = next(chunks, None)
            except httpx.HTTPError as exc:
                raise _failure(exc, self.final_url, self._policy) from None
            if chunk is None:
                return
            received += len(chunk)
            if received > self._policy.max_bytes:
                raise TooLarge(self.final_url, self._policy.max_bytes)
            _check_deadline(self._policy, self._started, self.final_url)
            yield chunk

    def read(self) -> bytes:
        """The whole body (at most `max_bytes`)."""
        return b"".join(self.iter_bytes())

    def close(self) -> None:
        """Release the connection (and the client, when `open_url` made one)."""
        self._response.close()
        if self._owned_client is not None:
            self._owned_client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open_url(url: str, policy: UrlPolicy, *, client: httpx.Client | None = None) -> GuardedResponse:
    """GET `url`, following at most `policy.max_redirects` redirects, each checked again.

    `client` should come from `guarded_client` with the same policy (to share connections);
    without one, a client is made for this response and closed with it. Raises BlockedUrl,
    FetchFailed (HTTP 4xx/5xx, timeouts, refused connections, TLS errors, too many
    redirects, redirect loops) or TooLarge (when Content-Length is over the limit).
    """
    owned = guarded_client(policy, max_connections=1) if client is None else None
    active = owned if owned is not None else client
    assert active is not None
    started = time.monotonic()
    try:
        response = _follow(url, policy, active, started)
    except BaseException:
        if owned is not None:
            owned.close()
        raise
    return GuardedResponse(response, policy, owned_client=owned, started=started)


def _follow(url: str, policy: UrlPolicy, client: httpx.Client, started: float) -> httpx.Response:
    current = url
    came_from: str | None = None
    seen: set[str] = set()
    for _hop in range(policy.max_redirects + 1):
        try:
            parsed = checked_url(current, policy)
        except BlockedUrl as exc:
            raise _redirected(exc, came_from) from None
        seen.add(str(parsed.copy_with(fragment=None)))
        _check_deadline(policy, started, current)
        try:
            response = client.send(client.build_request("GET", parsed), stream=True)
        except BlockedUrl as exc:
            raise _redirected(BlockedUrl(current, exc.reason), came_from) from None
        except FetchFailed as exc:
            raise FetchFailed(f"Could not fetch {shown(current)}: {exc.detail}.", current) from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise _failure(exc, current, policy) from None
        status = response.status_code
        if status in REDIRECT_STATUSES:
            response.close()
            target = _redirect_target(response, current)
            if str(httpx.URL(target).copy_with(fragment=None)) in seen:
                raise FetchFailed(
                    f"Redirect loop: {shown(current)} sends back to {shown(target)}.", url
                )
            came_from, current = current, target
            continue
        if not 200 <= status < 300:
            response.close()
            raise FetchFailed(f"HTTP {status} from {shown(current)}", current)
        length = _content_length(response.headers)
        if length is not None and length > policy.max_bytes:
            response.close()
            raise TooLarge(current, policy.max_bytes)
        return response
    raise FetchFailed(
        f"Too many redirects: {shown(url)} still redirects after {policy.max_redirects}.", url
    )


def _redirect_target(response: httpx.Response, current: str) -> str:
    location = response.headers.get("location")
    if not location:
        raise FetchFailed(
            f"HTTP {response.status_code} from {shown(current)} has no Location header.", current
        )
    try:
        return str(response.url.join(location.strip()))
    except httpx.InvalidURL as exc:
        raise FetchFailed(
            f"HTTP {response.status_code} from {shown(current)} redirects to an invalid URL "
            f"({exc}).",
            current,
        ) from None


def _redirected(exc: BlockedUrl, came_from: str | None) -> BlockedUrl:
    if came_from is None:
        return exc
    return BlockedUrl(exc.url, f"{exc.reason} (redirected from {shown(came_from)})")


def _check_deadline(policy: UrlPolicy, started: float, url: str) -> None:
    limit = policy.total_seconds
    if limit is not None and time.monotonic() - started > limit:
        raise FetchFailed(f"Fetching {shown(url)} took longer than {limit:g} s.", url)


def _content_length(headers: httpx.Headers) -> int | None:
    value = headers.get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def _failure(exc: httpx.HTTPError | httpx.InvalidURL, url: str, policy: UrlPolicy) -> FetchFailed:
    """The one-line FetchFailed for an httpx error."""
    seconds = f"{policy.timeout_seconds:g} s"
    where = shown(url)
    if isinstance(exc, httpx.ConnectTimeout):
        return FetchFailed(f"Timed out after {seconds} connecting to {where}.", url)
    if isinstance(exc, httpx.ReadTimeout):
        return FetchFailed(f"Timed out after {seconds} waiting for data from {where}.", url)
    if isinstance(exc, httpx.TimeoutException):
        return FetchFailed(f"Timed out after {seconds} talking to {where}.", url)
    tls = _ssl_cause(exc)
    if tls is not None:
        why = getattr(tls, "verify_message", None) or tls.reason or str(tls)
        return FetchFailed(f"TLS error with {where}: {why}.", url)
    if isinstance(exc, httpx.ConnectError):
        return FetchFailed(f"Could not connect to {where}: {exc or 'connection failed'}.", url)
    if isinstance(exc, httpx.RemoteProtocolError):
        return FetchFailed(f"The server at {where} broke off the response: {exc}.", url)
    return FetchFailed(f"Fetching {where} failed: {type(exc).__name__}: {exc}.", url)


def _ssl_cause(exc: BaseException) -> ssl.SSLError | None:
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
