"""Importing from a CSV of URLs: the list is read forgivingly but every bad row is named by
its line, and downloads run a few at a time, keep going past failures and stop when asked."""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loopback_http import LoopbackServer, QuietHandler
from pixelwise.domain.errors import InvalidInput
from pixelwise.storage.sources.netguard import UrlPolicy
from pixelwise.storage.sources.urls import (
    DicomWebTarget,
    FetchResult,
    RowProblem,
    UrlRow,
    check_registered,
    default_name,
    fetch_urls,
    parse_dicomweb_url,
    parse_url_csv,
)

POLICY = UrlPolicy(allow_hosts=("127.0.0.1",), timeout_seconds=2.0, max_bytes=1_000_000)


def parse(text: str | bytes, **kwargs: Any) -> tuple[list[UrlRow], list[RowProblem]]:
    data = text.encode() if isinstance(text, str) else text
    return parse_url_csv(io.BytesIO(data), **kwargs)


# reading the CSV ---------------------------------------------------------------------------


def test_rows_are_read_with_or_without_a_byte_order_mark() -> None:
    text = "url,folder,name\r\nhttps://example.com/a/scan.png,night,first.png\r\n"
    for data in (text.encode(), b"\xef\xbb\xbf" + text.encode()):
        rows, problems = parse(data)
        assert rows == [UrlRow(2, "https://example.com/a/scan.png", "night", "first.png", "http")]
        assert problems == []


def test_column_names_ignore_case_and_other_columns_are_noted_once() -> None:
    rows, problems = parse(
        " URL ,Label,Name,notes\n"
        "http://example.com/1.png,cat,one.png,x\n"
        "http://example.com/2.png,dog,,y\n"
    )
    assert [(row.line, row.name, row.folder) for row in rows] == [
        (2, "one.png", ""),
        (3, "2.png", ""),
    ]
    assert problems == [
        RowProblem(
            1, "columns ignored: 'Label', 'notes' (only url, folder and name are read)", True
        )
    ]


def test_names_default_to_the_last_segment_of_the_url() -> None:
    rows, problems = parse(
        "url\n"
        "https://example.com/scans/my%20scan.png?sig=abc#part\n"
        "https://example.com/scans/night/\n"
        "https://example.com/\n"
        "https://example.com/a%2Fb%5Cc.png\n"
        "https://example.com/%2E%2E\n"
        "HTTPS://EXAMPLE.COM/caps.JPG\n"
    )
    assert problems == []
    assert [row.name for row in rows] == [
        "my scan.png",
        "night",
        "url-4",
        "a_b_c.png",
        "url-6",
        "caps.JPG",
    ]
    assert default_name("https://example.com/" + "x" * 300 + ".png", 9) == "x" * 251 + ".png"


def test_folders_are_normalised() -> None:
    rows, problems = parse(
        "url,folder\n"
        "http://example.com/1.png,  a\\b/./c/ \n"
        "http://example.com/2.png,/top/\n"
        "http://example.com/3.png,\n"
    )
    assert problems == []
    assert [row.folder for row in rows] == ["a/b/c", "top", ""]


def test_bad_rows_are_reported_by_line_and_the_others_kept() -> None:
    rows, problems = parse(
        "url,folder,name\n"  # 1
        "http://example.com/ok.png,,\n"  # 2
        ",,lonely.png\n"  # 3
        "\n"  # 4: blank lines are skipped
        "ftp://example.com/x.png,,\n"  # 5
        "example.com/x.png,,\n"  # 6
        "http://example.com/x.png,,a/b.png\n"  # 7
        "http://example.com/y.png,../up,\n"  # 8
        '"http://example.com/multi.png","two\nlines",\n'  # 9-10: a quoted line break
        "http://example.com/ok.png,,\n"  # 11: same folder and name as line 2
        "http://[::1/x.png,,\n"  # 12
        "http://example.com/z.png,,..\n"  # 13
        "http://example.com:99999/z.png,,\n"  # 14
        "file:///etc/passwd,,\n"  # 15
        "http://example.com/last.png,,\n"  # 16
    )
    assert [(row.line, row.name) for row in rows] == [(2, "ok.png"), (16, "last.png")]
    reasons = {problem.line: problem.reason for problem in problems}
    assert reasons[3] == "empty url"
    assert reasons[5] == (
        "unsupported scheme 'ftp' (only http and https): 'ftp://example.com/x.png'"
    )
    assert reasons[6] == ("not a URL (it must start with http:// or https://): 'example.com/x.png'")
    assert reasons[7] == "name 'a/b.png' contains a slash; put folders in the 'folder' column"
    assert reasons[8] == "folder '../up' is not a relative folder path without '..'"
    assert reasons[9] == "folder 'two\\nlines' is not a relative folder path without '..'"
    assert reasons[11] == (
        "duplicate name 'ok.png' at the top level (first used on line 2); give the rows "
        "distinct names in a 'name' column"
    )
    assert reasons[12].startswith("not a URL (")
    assert reasons[13] == "name '..' is not a file name"
    assert reasons[14].startswith("not a URL (")
    assert reasons[15] == "unsupported scheme 'file' (only http and https): 'file:///etc/passwd'"
    assert sorted(reasons) == [3, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15]
    assert not any(problem.note for problem in problems)


def test_the_same_name_may_appear_in_different_folders() -> None:
    rows, problems = parse(
        "url,folder\nhttp://a.example/x.png,one\nhttp://b.example/x.png,two\n"
        "http://c.example/x.png,one\n"
    )
    assert [(row.folder, row.name) for row in rows] == [("one", "x.png"), ("two", "x.png")]
    assert problems == [
        RowProblem(
            4,
            "duplicate name 'x.png' in folder 'one' (first used on line 2); give the rows "
            "distinct names in a 'name' column",
        )
    ]


def test_dicomweb_urls_are_recognised() -> None:
    base = "https://pacs.example/dicom-web"
    study = f"{base}/studies/1.2.840.1"
    rows, problems = parse(
        "url\n"
        f"{study}\n"
        f"{study}/series/1.2.3/\n"
        f"{study}/series/1.2.3/instances/1.2.3.4\n"
        f"{study}/series/1.2.3/instances/1.2.3.4/rendered\n"
        f"{base}/studies/not-a-uid\n"
        "https://example.com/photos/studies.png\n"
    )
    assert problems == []
    assert [row.kind for row in rows] == [
        "dicomweb",
        "dicomweb",
        "dicomweb",
        "http",
        "http",
        "http",
    ]
    assert [row.name for row in rows][:3] == ["1.2.840.1", "1.2.3", "1.2.3.4"]
    assert parse_dicomweb_url(f"{study}/series/1.2.3/instances/1.2.3.4?x=1") == DicomWebTarget(
        base, "1.2.840.1", "1.2.3", "1.2.3.4"
    )
    assert parse_dicomweb_url(study) == DicomWebTarget(base, "1.2.840.1", None, None)
    assert parse_dicomweb_url(f"{base}/studies/{'1.' * 40}1") is None  # UIDs stop at 64


def test_a_file_without_a_url_column_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse("link,name\nhttp://example.com/a.png,a.png\n")
    assert caught.value.detail == (
        "The CSV has no 'url' column: its first line must be a header naming the columns "
        "(found 'link', 'name')."
    )


def test_a_header_is_required() -> None:
    with pytest.raises(InvalidInput, match="no 'url' column"):
        parse("http://example.com/a.png\nhttp://example.com/b.png\n")
    with pytest.raises(InvalidInput, match="The CSV is empty"):
        parse("\n\n")
    with pytest.raises(InvalidInput, match="names the column 'url' twice"):
        parse("url,URL\nhttp://example.com/a.png,x\n")


@pytest.mark.parametrize(
    "data",
    [
        "url\nhttp://example.com/caf\u00e9.png\n".encode("latin-1"),
        "url\nhttp://example.com/a.png\n".encode("utf-16"),
    ],
)
def test_a_file_that_is_not_utf8_is_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse(data)
    assert caught.value.detail == (
        'The CSV is not UTF-8 text: save it as UTF-8 ("CSV UTF-8" in spreadsheet programs) '
        "and upload it again."
    )


def test_too_many_rows_are_refused() -> None:
    text = "url\n" + "".join(f"http://example.com/{n}.png\n" for n in range(11))
    assert len(parse(text, max_rows=11)[0]) == 11
    with pytest.raises(InvalidInput, match="more than 10 rows: split it"):
        parse(text, max_rows=10)


def test_a_file_that_is_not_csv_is_refused_with_the_line() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse("url\nhttp://example.com/a.png\n" + "x" * 200_000 + "\n")
    assert caught.value.detail.startswith("The CSV cannot be read after line 2: field larger")


def test_the_stream_is_left_open() -> None:
    stream = io.BytesIO(b"url\nhttp://example.com/a.png\n")
    parse_url_csv(stream)
    assert not stream.closed


# a real server -----------------------------------------------------------------------------


def content(number: int) -> bytes:
    return f"file {number}\n".encode() * (number % 7 + 1)


class Server(LoopbackServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.requests = 0
        self.delay = 0.0
        self.closing = threading.Event()


class Handler(QuietHandler):
    server: Server

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.active += 1
            self.server.requests += 1
            self.server.peak = max(self.server.peak, self.server.active)
        try:
            self.server.closing.wait(self.server.delay)
            route = self.path.strip("/").split("/")
            if route[0] == "files":
                self.reply(200, content(int(route[1].split(".")[0])))
            elif route[0] == "big":
                self.reply(200, b"b" * 2_000_000)
            elif route[0] == "stall":
                self.server.closing.wait(5)
            else:
                self.reply(404, b"missing")
        finally:
            with self.server.lock:
                self.server.active -= 1

    def reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client hung up past the limit
            self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[Server]:
    server = Server()
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server
    server.closing.set()
    server.shutdown()
    server.server_close()


def file_rows(server: Server, count: int) -> list[UrlRow]:
    return [
        UrlRow(n + 2, f"{server.base}/files/{n}.bin", "", f"{n}.bin", "http") for n in range(count)
    ]


# fetching ----------------------------------------------------------------------------------


def test_many_urls_are_fetched_a_few_at_a_time(server: Server, tmp_path: Path) -> None:
    server.delay = 0.005
    rows = file_rows(server, 200)
    results = list(fetch_urls(rows, POLICY, tmp_path, concurrency=8))
    assert sorted(result.row.line for result in results) == [row.line for row in rows]
    for result in results:
        assert result.ok
        assert result.error is None
        assert result.path is not None
        assert result.path.parent == tmp_path
        number = int(result.row.name.split(".")[0])
        assert result.path.read_bytes() == content(number)
        assert result.size == len(content(number))
        assert result.content_type == "application/octet-stream"
        assert result.final_url == result.row.url
        assert result.path.suffix == ".bin"
    assert len(list(tmp_path.iterdir())) == 200
    assert 2 <= server.peak <= 8


def test_a_failure_does_not_stop_the_others(server: Server, tmp_path: Path) -> None:
    rows = [
        UrlRow(2, f"{server.base}/files/1.bin", "", "1.bin", "http"),
        UrlRow(3, f"{server.base}/nothing.png", "", "nothing.png", "http"),
        UrlRow(4, "http://10.0.0.1/secret.png", "", "secret.png", "http"),
        UrlRow(5, f"{server.base}/big", "", "big", "http"),
        UrlRow(6, f"http://user:pw@127.0.0.1:{server.server_address[1]}/x", "", "x", "http"),
        UrlRow(7, f"{server.base}/files/2.bin", "", "2.bin", "http"),
    ]
    results = {
        result.row.line: result for result in fetch_urls(rows, POLICY, tmp_path, concurrency=3)
    }
    assert results[2].ok
    assert results[7].ok
    assert results[3] == FetchResult(
        rows[1], None, 0, None, None, f"HTTP 404 from {server.base}/nothing.png"
    )
    assert results[4].error == (
        "Refused http://10.0.0.1/secret.png: 10.0.0.1 is a private address (RFC 1918), "
        "which may not be fetched."
    )
    assert results[5].error == (
        f"{server.base}/big is larger than the limit of 1000000 bytes per file."
    )
    assert results[6].error is not None
    assert "user names and passwords in URLs are not accepted" in results[6].error
    kept = {path.name for path in tmp_path.iterdir()}
    assert kept == {results[2].path.name, results[7].path.name}  # type: ignore[union-attr]


def test_a_slow_server_times_out_without_holding_up_the_rest(
    server: Server, tmp_path: Path
) -> None:
    policy = UrlPolicy(allow_hosts=("127.0.0.1",), timeout_seconds=0.5)
    rows = [UrlRow(2, f"{server.base}/stall", "", "stall", "http"), *file_rows(server, 20)]
    started = time.monotonic()
    results = list(fetch_urls(rows, policy, tmp_path, concurrency=4))
    assert time.monotonic() - started < 3
    errors = [result.error for result in results if not result.ok]
    assert errors == [f"Timed out after 0.5 s waiting for data from {server.base}/stall."]
    assert sum(result.ok for result in results) == 20


def test_rows_are_taken_only_as_fast_as_downloads_finish(server: Server, tmp_path: Path) -> None:
    taken: list[UrlRow] = []

    def rows() -> Iterator[UrlRow]:
        for row in file_rows(server, 1000):
            taken.append(row)
            yield row

    results = fetch_urls(rows(), POLICY, tmp_path, concurrency=2)
    first = next(results)
    assert first.ok
    assert len(taken) <= 4  # 2 downloading, at most 2 more waiting
    results.close()


def test_cancelling_stops_early_and_leaves_only_the_files_taken(
    server: Server, tmp_path: Path
) -> None:
    server.delay = 0.05
    taken: list[FetchResult] = []
    started = time.monotonic()
    for result in fetch_urls(
        file_rows(server, 500),
        POLICY,
        tmp_path,
        concurrency=4,
        cancelled=lambda: len(taken) >= 10,
    ):
        taken.append(result)
    assert time.monotonic() - started < 3
    assert 10 <= len(taken) <= 60  # `cancelled` is asked about twice a second
    assert server.requests <= 80
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        result.path.name for result in taken if result.path is not None
    )


def test_stopping_the_iteration_deletes_unclaimed_files(server: Server, tmp_path: Path) -> None:
    results = fetch_urls(file_rows(server, 100), POLICY, tmp_path, concurrency=4)
    first = next(results)
    time.sleep(0.2)  # let the other downloads finish while nobody takes them
    results.close()
    assert [path.name for path in tmp_path.iterdir()] == [first.path.name]  # type: ignore[union-attr]


def test_concurrency_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="concurrency"):
        fetch_urls([], POLICY, tmp_path, concurrency=0)


# registering without downloading -----------------------------------------------------------


def test_registering_checks_the_url_without_fetching_it(server: Server) -> None:
    port = server.server_address[1]
    allowed = UrlRow(2, f"{server.base}/files/1.bin", "", "1.bin", "http")
    assert check_registered(allowed, POLICY) is None
    assert check_registered(allowed, UrlPolicy()) == (
        f"Refused http://127.0.0.1:{port}/files/1.bin: 127.0.0.1 is a loopback address, "
        "which may not be fetched."
    )
    metadata = UrlRow(3, "http://169.254.169.254/latest/meta-data/", "", "x", "http")
    assert "cloud instance-metadata service" in (check_registered(metadata, POLICY) or "")
    secret = UrlRow(4, "https://user:pw@example.com/a.png", "", "a.png", "http")
    assert "user names and passwords" in (check_registered(secret, POLICY) or "")
    assert server.requests == 0


def test_registering_looks_each_host_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("images.test", "inside.test"):
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        address = "93.184.216.34" if host == "images.test" else "192.168.0.9"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    policy = UrlPolicy(max_redirects=3)  # a policy of its own, so nothing is cached yet
    rows = [UrlRow(n, f"https://images.test/{n}.png", "", f"{n}.png", "http") for n in range(500)]
    assert {check_registered(row, policy) for row in rows} == {None}
    inside = UrlRow(9, "https://inside.test/x.png", "", "x.png", "http")
    expected = (
        "Refused https://inside.test/x.png: inside.test resolves to 192.168.0.9, "
        "a private address (RFC 1918), which may not be fetched."
    )
    assert check_registered(inside, policy) == expected
    assert check_registered(inside, policy) == expected
    assert lookups == ["images.test", "inside.test"]
