"""The DICOMweb source against a real Orthanc loaded with the sample studies, and against a
small local HTTP server that misbehaves in the ways a real server rarely does on purpose."""

from __future__ import annotations

import atexit
import json
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pydicom
import pytest

from orthanc import (
    HEAD_CT,
    PHANTOM,
    SAMPLE_DICOM_FILES,
    OrthancServer,
    free_port,
    orthanc_or_skip,
)
from pixelwise.domain.errors import InvalidInput, NotFound, PermissionDenied
from pixelwise.storage.sources.dicomweb import (
    DicomWebRef,
    FetchedInstance,
    InstanceRef,
    fetch_instances,
    list_instances,
    parse_dicomweb_url,
)

HEAD_STUDY = "1.2.826.0.1.3680043.9.4245.1760717064491086528325869788156915668"
HEAD_SERIES = "1.2.826.0.1.3680043.9.4245.3115138630835728997848661150714813892"
PHANTOM_STUDY = "1.2.840.113619.2.405.3.84541899.902.1605198123.910"
PHANTOM_CT_SERIES = "2.16.840.1.114362.1.11940992.23790159890.563423471.893.88"
UNKNOWN_STUDY = "1.2.3.4.5.6.7.8.9"
TIMEOUT = 5.0
MAX_BYTES = 10 * 1024 * 1024


@pytest.fixture(scope="session")
def orthanc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrthancServer]:
    with orthanc_or_skip(SAMPLE_DICOM_FILES, tmp_path_factory.mktemp("orthanc")) as server:
        yield server


def originals(folder: Path) -> dict[str, Path]:
    """The sample files of `folder`, by SOP Instance UID."""
    return {
        str(pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID): path
        for path in sorted(folder.glob("*.dcm"))
    }


def files_in(folder: Path) -> list[Path]:
    """Every file left in `folder`, hidden temporary ones included."""
    return sorted(path for path in folder.rglob("*") if path.is_file())


# --- addresses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "http://pacs:8042/dicom-web/studies/1.2.3",
            DicomWebRef("http://pacs:8042/dicom-web", "1.2.3"),
        ),
        (
            "https://pacs.example.org/dicom-web/studies/1.2.3/series/1.2.3.4/",
            DicomWebRef("https://pacs.example.org/dicom-web", "1.2.3", "1.2.3.4"),
        ),
        (
            "HTTP://PACS/wado/rs/studies/1.2.3/series/1.2.3.4/instances/1.2.3.4.5",
            DicomWebRef("http://pacs/wado/rs", "1.2.3", "1.2.3.4", "1.2.3.4.5"),
        ),
        (
            "  dicomweb+https://pacs:443/studies/1.2.3  ",
            DicomWebRef("https://pacs:443", "1.2.3"),
        ),
        ("dicomweb+http://10.0.0.7/studies/7", DicomWebRef("http://10.0.0.7", "7")),
        (
            "http://pacs/archive/studies/dicomweb/studies/1.2",
            DicomWebRef("http://pacs/archive/studies/dicomweb", "1.2"),
        ),
        (
            f"http://pacs/dicom-web/studies/{HEAD_STUDY}",
            DicomWebRef("http://pacs/dicom-web", HEAD_STUDY),
        ),
    ],
)
def test_parse_accepts_wado_rs_addresses(url: str, expected: DicomWebRef) -> None:
    ref = parse_dicomweb_url(url)
    assert ref == expected
    assert parse_dicomweb_url(ref.url) == ref


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "Give the address"),
        ("ftp://pacs/dicom-web/studies/1.2.3", "must start with http://"),
        ("file:///studies/1.2.3", "must start with http://"),
        ("http:///dicom-web/studies/1.2.3", "names no server"),
        ("http://pacs:99999/dicom-web/studies/1.2.3", "not a valid address"),
        ("http://user:secret@pacs/dicom-web/studies/1.2.3", "Credentials"),
        ("http://pacs/dicom-web/studies/1.2.3?includefield=all", "query"),
        ("http://pacs/dicom-web/studies/1.2.3#top", "query or fragment"),
        ("http://pacs/dicom-web/1.2.3", "expected <service root>/studies/"),
        ("http://pacs/dicom-web/studies", "after /studies/"),
        ("http://pacs/dicom-web/studies/1.2.3/series", "after /studies/"),
        ("http://pacs/dicom-web/studies/1.2.3/metadata", "after /studies/"),
        ("http://pacs/dicom-web/studies/1.2.3/series/4.5/frames/1", "after /studies/"),
        ("http://pacs/dicom-web/studies/1.2.abc", "not a valid Study Instance UID"),
        ("http://pacs/dicom-web/studies/1..2", "not a valid Study Instance UID"),
        ("http://pacs/dicom-web/studies/.1.2", "not a valid Study Instance UID"),
        ("http://pacs/dicom-web/studies/%2E%2E", "not a valid Study Instance UID"),
        ("http://pacs/dicom-web/studies/" + "1." * 32 + "1", "at most 64 characters"),
        ("http://pacs/dicom-web/studies/1.2/series/x", "not a valid Series Instance UID"),
        ("http://pacs/dicom-web/studies/1.2/series/3/instances/-1", "SOP Instance UID"),
    ],
)
def test_parse_refuses_other_addresses(url: str, words: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_dicomweb_url(url)
    assert words in raised.value.detail
    assert "\n" not in raised.value.detail
    assert raised.value.extra == {"field": "url"}


# --- listing ------------------------------------------------------------------------------


def test_lists_the_head_ct_study(orthanc: OrthancServer) -> None:
    instances = list_instances(parse_dicomweb_url(orthanc.study_url(HEAD_STUDY)), timeout=TIMEOUT)

    assert len(instances) == 28
    assert {instance.series_uid for instance in instances} == {HEAD_SERIES}
    assert {instance.study_uid for instance in instances} == {HEAD_STUDY}
    assert {instance.modality for instance in instances} == {"CT"}
    assert [instance.instance_number for instance in instances] == list(range(1, 29))
    assert {instance.sop_uid for instance in instances} == set(originals(HEAD_CT))
    assert instances[0].base_url == orthanc.dicomweb_url


def test_lists_one_series_of_a_study(orthanc: OrthancServer) -> None:
    url = orthanc.study_url(PHANTOM_STUDY, PHANTOM_CT_SERIES)
    instances = list_instances(parse_dicomweb_url(url), timeout=TIMEOUT)

    assert [instance.instance_number for instance in instances] == [1, 2]
    assert {instance.series_uid for instance in instances} == {PHANTOM_CT_SERIES}
    assert {instance.modality for instance in instances} == {"CT"}
    assert {instance.series_description for instance in instances} == {"PHANTOM_EXAMPLE"}


def test_lists_one_instance(orthanc: OrthancServer) -> None:
    sop = next(iter(originals(HEAD_CT)))
    url = f"{orthanc.study_url(HEAD_STUDY, HEAD_SERIES)}/instances/{sop}"
    [instance] = list_instances(parse_dicomweb_url(url), timeout=TIMEOUT)
    assert instance.sop_uid == sop


def test_lists_the_phantom_ct_and_rtstruct_instances(orthanc: OrthancServer) -> None:
    url = f"dicomweb+{orthanc.study_url(PHANTOM_STUDY)}"
    instances = list_instances(parse_dicomweb_url(url), timeout=TIMEOUT)

    by_modality: dict[str | None, int] = {}
    for instance in instances:
        by_modality[instance.modality] = by_modality.get(instance.modality, 0) + 1
    # Two RTSTRUCT files of the sample share one SOP Instance UID: Orthanc keeps one.
    assert by_modality == {"CT": 2, "RTSTRUCT": 2}
    assert {instance.sop_uid for instance in instances} == set(originals(PHANTOM))


def test_an_unknown_study_or_series_is_not_found(orthanc: OrthancServer) -> None:
    with pytest.raises(NotFound, match=re.escape(f"has no study {UNKNOWN_STUDY}")):
        list_instances(parse_dicomweb_url(orthanc.study_url(UNKNOWN_STUDY)), timeout=TIMEOUT)
    with pytest.raises(NotFound, match=re.escape(f"has no series 1.2.3 of study {HEAD_STUDY}")):
        list_instances(parse_dicomweb_url(orthanc.study_url(HEAD_STUDY, "1.2.3")), timeout=TIMEOUT)


def test_a_server_that_is_not_dicomweb_is_invalid_input(orthanc: OrthancServer) -> None:
    # Orthanc's own REST API answers 404 here, and JSON that is not DICOM JSON at /studies.
    ref = DicomWebRef(orthanc.url, HEAD_STUDY)
    with pytest.raises(InvalidInput, match=r"404 Not Found .*its DICOMweb root"):
        list_instances(ref, timeout=TIMEOUT)


def test_a_dead_port_is_invalid_input_quickly() -> None:
    ref = DicomWebRef(f"http://127.0.0.1:{free_port()}/dicom-web", HEAD_STUDY)
    started = time.monotonic()
    with pytest.raises(InvalidInput, match=r"cannot connect \(Connection refused\)") as raised:
        list_instances(ref, timeout=TIMEOUT)
    assert time.monotonic() - started < 2
    assert ref.base_url in raised.value.detail
    assert "\n" not in raised.value.detail


# --- a misbehaving server -----------------------------------------------------------------


def _sample_file() -> Path:
    """A head-CT file of the shared data, or, where that is absent, a small DICOM file made
    here, so that the tests against the misbehaving server still run."""
    found = sorted(HEAD_CT.glob("*.dcm"))
    if found:
        return found[0]
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    folder = Path(tempfile.mkdtemp(prefix="pixelwise-dicomweb-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    uid = generate_uid()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, uid
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Modality, ds.InstanceNumber = "CT", 7
    ds.Rows = ds.Columns = 256  # over 100 kB, as the size-limit tests expect
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.PixelData = bytes(256 * 256 * 2)
    path = folder / "sample.dcm"
    ds.save_as(path, enforce_file_format=True)
    return path


SAMPLE = _sample_file()
SAMPLE_SOP = str(pydicom.dcmread(SAMPLE, stop_before_pixels=True).SOPInstanceUID)
BOUNDARY = "pixelwise-test-boundary"


class Stub(ThreadingHTTPServer):
    """Answers by the first path segment (the "mode"); logs every request path."""

    daemon_threads = True

    def __init__(self, other_server: str) -> None:
        super().__init__(("127.0.0.1", 0), StubHandler)
        self.other_server = other_server
        self.paths: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def multipart(data: bytes, *, part_length: bool = True, extra: str = "") -> bytes:
    headers = f"Content-Type: application/dicom{extra}\r\n"
    if part_length:
        headers += f"Content-Length: {len(data)}\r\n"
    return f"--{BOUNDARY}\r\n{headers}\r\n".encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


class StubHandler(BaseHTTPRequestHandler):
    server: Stub

    def log_message(self, format: str, *args: object) -> None:
        pass

    def answer(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        path, _, query = self.path.partition("?")
        mode, _, rest = path.lstrip("/").partition("/")
        related = f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'
        data = SAMPLE.read_bytes()
        if mode == "html":
            self.answer(200, b"<html><body>Welcome</body></html>", "text/html")
        elif mode == "away":
            self.answer(302, b"", "text/plain", Location=f"{self.server.other_server}/{rest}")
        elif mode == "moved":
            self.answer(302, b"", "text/plain", Location=f"/dicomweb/{rest}")
        elif mode in ("dicomweb", "nooffset") and rest.endswith("/instances"):
            parts = rest.split("/")
            found = {
                "0020000D": {"vr": "UI", "Value": [parts[1]]},
                "0020000E": {"vr": "UI", "Value": ["1.2.3.4"]},
                "00080018": {"vr": "UI", "Value": [SAMPLE_SOP]},
                "00080060": {"vr": "CS", "Value": ["CT"]},
                "00200013": {"vr": "IS", "Value": ["7"]},
            }
            paged = mode == "dicomweb" and "offset=" in query
            body = b"[]" if paged else json.dumps([found]).encode()
            self.answer(200, body, "application/dicom+json")
        elif mode == "notdicom":
            self.answer(200, multipart(b"not a dicom file" * 20), related)
        elif mode == "otheruid":
            self.answer(200, multipart(data), related)
        elif mode == "nolength":
            self.answer(200, multipart(data, part_length=False), related)
        elif mode == "twoparts":
            body = multipart(data).removesuffix(b"--\r\n") + b"\r\n" + multipart(data)[2:]
            self.answer(200, body, related)
        elif mode == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", related)
            self.end_headers()
            self.wfile.write(multipart(data)[: len(data) // 2])
        elif mode == "strict":
            if "transfer-syntax=*" in self.headers.get("Accept", ""):
                self.answer(406, b"", "text/plain")
            else:
                syntax = "; transfer-syntax=1.2.840.10008.1.2.1"
                self.answer(200, multipart(data, extra=syntax), related)
        elif mode == "single":
            self.answer(200, data, "application/dicom")
        else:
            self.answer(404, b"", "text/plain")


@pytest.fixture(scope="session")
def stub() -> Iterator[Stub]:
    server = Stub(other_server=f"http://localhost:{free_port()}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def stub_instance(stub: Stub, mode: str, sop: str = SAMPLE_SOP) -> InstanceRef:
    return InstanceRef(f"{stub.url}/{mode}", "1.2.3", "1.2.3.4", sop)


def fetch_one(instance: InstanceRef, dest: Path, max_bytes: int = MAX_BYTES) -> FetchedInstance:
    [outcome] = fetch_instances([instance], dest, timeout=TIMEOUT, max_bytes=max_bytes)
    return outcome


def test_redirects_are_followed_on_the_same_server_only(stub: Stub) -> None:
    [instance] = list_instances(DicomWebRef(f"{stub.url}/moved", "1.2.3"), timeout=TIMEOUT)
    assert (instance.sop_uid, instance.instance_number) == (SAMPLE_SOP, 7)

    with pytest.raises(InvalidInput, match=r"redirects .* to another server"):
        list_instances(DicomWebRef(f"{stub.url}/away", HEAD_STUDY), timeout=TIMEOUT)


def test_an_html_answer_is_invalid_input(stub: Stub) -> None:
    with pytest.raises(InvalidInput, match="did not answer with DICOM JSON"):
        list_instances(DicomWebRef(f"{stub.url}/html", "1.2.3"), timeout=TIMEOUT)


def test_an_oversized_search_answer_is_refused(stub: Stub) -> None:
    ref = DicomWebRef(f"{stub.url}/dicomweb", "1.2.3")
    with pytest.raises(InvalidInput, match="larger than 100 bytes"):
        list_instances(ref, timeout=TIMEOUT, max_listing_bytes=100)
    with pytest.raises(
        InvalidInput, match=re.escape("lists more than 0 instances for study 1.2.3")
    ):
        list_instances(ref, timeout=TIMEOUT, max_instances=0)


def test_a_server_ignoring_offset_is_listed_once(stub: Stub) -> None:
    before = len(stub.paths)
    listed = list_instances(DicomWebRef(f"{stub.url}/nooffset", "1.2.3"), timeout=TIMEOUT)
    assert [instance.sop_uid for instance in listed] == [SAMPLE_SOP]
    assert len(stub.paths) - before == 2


@pytest.mark.parametrize(
    ("mode", "sop", "error"),
    [
        ("notdicom", SAMPLE_SOP, "not a DICOM file"),
        ("otheruid", "1.2.3.4.5", f"sent instance {SAMPLE_SOP} instead"),
        ("truncated", SAMPLE_SOP, "truncated"),
        ("twoparts", SAMPLE_SOP, "more than one part"),
        ("html", SAMPLE_SOP, "answered text/html"),
        ("missing", SAMPLE_SOP, "does not have it (404)"),
        ("away", SAMPLE_SOP, "to another server"),
        ("any", "../../escape", "invalid SOP Instance UID"),
    ],
)
def test_a_bad_instance_is_an_error_value(
    stub: Stub, tmp_path: Path, mode: str, sop: str, error: str
) -> None:
    outcome = fetch_one(stub_instance(stub, mode, sop), tmp_path / "dest")
    assert outcome.error is not None
    assert error in outcome.error
    assert (outcome.path, outcome.size) == (None, 0)
    assert files_in(tmp_path) == []


def test_size_is_enforced_while_streaming(stub: Stub, tmp_path: Path) -> None:
    outcome = fetch_one(stub_instance(stub, "nolength"), tmp_path, max_bytes=100_000)
    assert outcome.error == "larger than the per-file limit of 100000 bytes"
    assert files_in(tmp_path) == []

    outcome = fetch_one(stub_instance(stub, "nolength"), tmp_path)
    assert outcome.path is not None
    assert outcome.path.read_bytes() == SAMPLE.read_bytes()


def test_a_server_refusing_the_original_syntax_is_asked_again(stub: Stub, tmp_path: Path) -> None:
    for mode in ("strict", "single"):
        outcome = fetch_one(stub_instance(stub, mode), tmp_path / mode)
        assert outcome.error is None, outcome.error
        assert outcome.transfer_syntax == "1.2.840.10008.1.2.1"
        assert outcome.path == tmp_path / mode / f"{SAMPLE_SOP}.dcm"
        assert outcome.size == SAMPLE.stat().st_size


def test_a_refusing_check_stops_before_any_request(stub: Stub, tmp_path: Path) -> None:
    seen: list[str] = []

    def refuse(url: str) -> None:
        seen.append(url)
        raise PermissionDenied(f"{url} is not allowed")

    before = len(stub.paths)
    ref = DicomWebRef(f"{stub.url}/dicomweb", "1.2.3")
    with pytest.raises(PermissionDenied, match="is not allowed"):
        list_instances(ref, timeout=TIMEOUT, check=refuse)
    with pytest.raises(PermissionDenied):
        fetch_instances(ref, tmp_path, timeout=TIMEOUT, max_bytes=MAX_BYTES, check=refuse)
    with pytest.raises(PermissionDenied):
        fetch_instances(
            [stub_instance(stub, "single")],
            tmp_path,
            timeout=TIMEOUT,
            max_bytes=MAX_BYTES,
            check=refuse,
        )
    assert seen == [ref.base_url, ref.base_url, f"{stub.url}/single"]
    assert len(stub.paths) == before
    assert files_in(tmp_path) == []


# --- fetching from Orthanc ----------------------------------------------------------------


def test_fetches_a_series_as_the_original_files(orthanc: OrthancServer, tmp_path: Path) -> None:
    checked: list[str] = []
    ref = parse_dicomweb_url(orthanc.study_url(HEAD_STUDY, HEAD_SERIES))
    outcomes = list(
        fetch_instances(ref, tmp_path, timeout=TIMEOUT, max_bytes=MAX_BYTES, check=checked.append)
    )

    assert checked == [orthanc.dicomweb_url]
    assert [outcome.error for outcome in outcomes] == [None] * 28
    sources = originals(HEAD_CT)
    assert files_in(tmp_path) == sorted(tmp_path / f"{sop}.dcm" for sop in sources)
    for outcome in outcomes:
        assert outcome.path == tmp_path / f"{outcome.instance.sop_uid}.dcm"
        original = sources[outcome.instance.sop_uid]
        assert outcome.size == original.stat().st_size
        assert outcome.transfer_syntax == "1.2.840.10008.1.2.1"
        fetched = pydicom.dcmread(outcome.path)
        expected = pydicom.dcmread(original)
        assert fetched.SOPInstanceUID == outcome.instance.sop_uid
        assert np.array_equal(fetched.pixel_array, expected.pixel_array)
        assert outcome.path.read_bytes() == original.read_bytes()


def test_one_missing_instance_does_not_stop_the_others(
    orthanc: OrthancServer, tmp_path: Path
) -> None:
    listed = list_instances(parse_dicomweb_url(orthanc.study_url(PHANTOM_STUDY)), timeout=TIMEOUT)
    ghost = InstanceRef(orthanc.dicomweb_url, PHANTOM_STUDY, PHANTOM_CT_SERIES, "1.2.3.999")
    outcomes = list(
        fetch_instances([*listed, ghost], tmp_path, timeout=TIMEOUT, max_bytes=MAX_BYTES, workers=1)
    )

    errors = {outcome.instance.sop_uid: outcome.error for outcome in outcomes}
    assert errors.pop("1.2.3.999") == "the server does not have it (404)"
    assert errors == {instance.sop_uid: None for instance in listed}
    assert len(files_in(tmp_path)) == len(listed)


def test_max_bytes_too_small_writes_nothing(orthanc: OrthancServer, tmp_path: Path) -> None:
    ref = parse_dicomweb_url(orthanc.study_url(HEAD_STUDY))
    outcomes = list(fetch_instances(ref, tmp_path, timeout=TIMEOUT, max_bytes=1000))

    assert len(outcomes) == 28
    assert {outcome.error for outcome in outcomes} == {
        "larger than the per-file limit of 1000 bytes"
    }
    assert {outcome.path for outcome in outcomes} == {None}
    assert files_in(tmp_path) == []


def cancel_after(outcomes: list[FetchedInstance], count: int) -> Callable[[], bool]:
    return lambda: len(outcomes) >= count


@pytest.mark.parametrize("workers", [1, 4])
def test_cancellation_stops_early(orthanc: OrthancServer, tmp_path: Path, workers: int) -> None:
    ref = parse_dicomweb_url(orthanc.study_url(HEAD_STUDY))
    outcomes: list[FetchedInstance] = []
    for outcome in fetch_instances(
        ref,
        tmp_path,
        timeout=TIMEOUT,
        max_bytes=MAX_BYTES,
        cancelled=cancel_after(outcomes, 3),
        workers=workers,
    ):
        outcomes.append(outcome)

    assert 3 <= len(outcomes) <= 3 + workers
    assert all(outcome.ok for outcome in outcomes)
    # Every file on disk was reported; downloads stopped midway left nothing behind.
    assert files_in(tmp_path) == sorted(outcome.path for outcome in outcomes if outcome.path)


def test_closing_the_iterator_early_leaves_only_what_was_yielded(
    orthanc: OrthancServer, tmp_path: Path
) -> None:
    ref = parse_dicomweb_url(orthanc.study_url(HEAD_STUDY))
    iterator = fetch_instances(ref, tmp_path, timeout=TIMEOUT, max_bytes=MAX_BYTES, workers=4)
    first = next(iterator)
    iterator.close()

    assert first.path is not None
    assert files_in(tmp_path) == [first.path]
