"""A real Orthanc PACS for tests: started on free loopback ports, loaded with files, stopped.

`running_orthanc(files, workdir)` starts Orthanc (with its DICOMweb plugin) from a generated
configuration in `workdir`, waits until `/system` answers, POSTs every file to `/instances`
and yields an `OrthancServer` with its addresses; leaving the block stops it. Nothing is
shared with a system-wide Orthanc: storage, index and log live in `workdir`, HTTP listens on
127.0.0.1 only, remote access and authentication are off.

`orthanc_or_skip(...)` is the same, but skips the test when Orthanc, its DICOMweb plugin or
the files are missing, or fails it instead when PIXELWISE_TEST_REQUIRE_SERVICES=1 (CI).
A test module usually wraps it in a session-scoped fixture so that Orthanc starts once:

    @pytest.fixture(scope="session")
    def orthanc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrthancServer]:
        with orthanc_or_skip(SAMPLE_DICOM_FILES, tmp_path_factory.mktemp("orthanc")) as server:
            yield server

The binary and plugin are looked up on PATH and in the places Debian's `orthanc` and
`orthanc-dicomweb` packages install them; PIXELWISE_TEST_ORTHANC and
PIXELWISE_TEST_ORTHANC_DICOMWEB override either.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DICOM_DATA = SHARED_DATA / "dicom"
HEAD_CT = DICOM_DATA / "dcm_qa_ct_ge_head"  # 28 CT slices, one series
PHANTOM = DICOM_DATA / "rtutils_phantom_rtstruct"  # 2 CT slices + RTSTRUCTs, one study
SAMPLE_DICOM_FILES = sorted(DICOM_DATA.glob("*/*.dcm"))

_BINARY_PLACES = ("/usr/sbin/Orthanc", "/usr/bin/Orthanc", "/usr/local/bin/Orthanc")
_PLUGIN_PLACES = (
    "/usr/share/orthanc/plugins/libOrthancDicomWeb.so",
    "/usr/lib/orthanc/plugins/libOrthancDicomWeb.so",
    "/usr/local/share/orthanc/plugins/libOrthancDicomWeb.so",
)
_START_TIMEOUT = 30.0
_AET = "PIXELWISETEST"


class OrthancUnavailable(RuntimeError):
    """Orthanc or its DICOMweb plugin is not installed, or it would not start."""


@dataclass(frozen=True)
class OrthancServer:
    """A running test Orthanc.

    `url` is its REST root ("http://127.0.0.1:PORT"), `dicomweb_url` the DICOMweb service
    root ("http://127.0.0.1:PORT/dicom-web"). `dicom_port` and `aet` are those of its DICOM
    (DIMSE) listener, or None when it was started without one. `instances` maps each loaded
    file to the Orthanc instance id that POST /instances answered.
    """

    url: str
    dicomweb_url: str
    dicom_port: int | None
    aet: str
    workdir: Path
    instances: dict[Path, str]

    def study_url(self, study_uid: str, series_uid: str | None = None) -> str:
        """The WADO-RS address of a study, or of one of its series."""
        address = f"{self.dicomweb_url}/studies/{study_uid}"
        return f"{address}/series/{series_uid}" if series_uid else address


def find_orthanc() -> tuple[Path, Path]:
    """The Orthanc binary and its DICOMweb plugin; OrthancUnavailable naming what is missing."""
    binary = os.environ.get("PIXELWISE_TEST_ORTHANC") or shutil.which("Orthanc")
    if not binary:
        binary = next((place for place in _BINARY_PLACES if Path(place).is_file()), None)
    if not binary or not Path(binary).is_file():
        raise OrthancUnavailable(
            "Orthanc is not installed (apt-get install orthanc orthanc-dicomweb, or set "
            "PIXELWISE_TEST_ORTHANC to its binary)"
        )
    plugin = os.environ.get("PIXELWISE_TEST_ORTHANC_DICOMWEB")
    if not plugin:
        plugin = next((place for place in _PLUGIN_PLACES if Path(place).is_file()), None)
    if not plugin or not Path(plugin).is_file():
        raise OrthancUnavailable(
            "Orthanc's DICOMweb plugin is not installed (apt-get install orthanc-dicomweb, or "
            "set PIXELWISE_TEST_ORTHANC_DICOMWEB to libOrthancDicomWeb.so)"
        )
    return Path(binary), Path(plugin)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _write_config(workdir: Path, plugin: Path, http_port: int, dicom_port: int | None) -> Path:
    config = {
        "Name": "pixelwise-test",
        "StorageDirectory": str(workdir / "storage"),
        "IndexDirectory": str(workdir / "storage"),
        "StorageCompression": False,
        "HttpServerEnabled": True,
        "HttpPort": http_port,
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "SslEnabled": False,
        "DicomServerEnabled": dicom_port is not None,
        "DicomPort": dicom_port or 0,
        "DicomAet": _AET,
        "DicomCheckCalledAet": False,
        "DicomModalities": {},
        "UnknownSopClassAccepted": True,
        "SaveJobs": False,
        "Plugins": [str(plugin)],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
    }
    path = workdir / "orthanc.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def _log_tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise OrthancUnavailable(
                f"Orthanc exited with status {process.returncode} at start:\n{_log_tail(log)}"
            )
        try:
            if httpx.get(f"{url}/system", timeout=1.0, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise OrthancUnavailable(
        f"Orthanc did not answer within {_START_TIMEOUT:g} s:\n{_log_tail(log)}"
    )


def load_files(url: str, files: Iterable[Path]) -> dict[Path, str]:
    """POST each file to Orthanc's /instances; the Orthanc instance id of each file.

    A file that Orthanc already holds (same SOP Instance UID) is accepted again without
    being stored twice.
    """
    loaded: dict[Path, str] = {}
    with httpx.Client(base_url=url, timeout=30.0, trust_env=False) as client:
        for path in files:
            answer = client.post(
                "/instances",
                content=path.read_bytes(),
                headers={"Content-Type": "application/dicom"},
            )
            if answer.status_code != 200:
                raise OrthancUnavailable(
                    f"Orthanc refused {path}: {answer.status_code} {answer.text[:200]}"
                )
            loaded[path] = str(answer.json()["ID"])
    return loaded


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def running_orthanc(
    files: Iterable[Path] = (), workdir: Path | None = None, *, dicom: bool = False
) -> Iterator[OrthancServer]:
    """Start Orthanc with DICOMweb on free loopback ports, load `files`, stop it at the end.

    `workdir` (a fresh temporary folder when None) holds the configuration, the storage and
    `orthanc.log`. With `dicom=True` its DICOM listener is on too (`dicom_port`, AE title
    `aet`). OrthancUnavailable when it is not installed or does not start; a start that
    fails because a port was taken in the meantime is tried again on other ports.
    """
    binary, plugin = find_orthanc()
    if workdir is None:
        with (
            tempfile.TemporaryDirectory(prefix="orthanc-") as folder,
            running_orthanc(files, Path(folder), dicom=dicom) as server,
        ):
            yield server
        return
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "storage").mkdir(exist_ok=True)
    log = workdir / "orthanc.log"
    for attempt in range(3):
        http_port = free_port()
        dicom_port = free_port() if dicom else None
        config = _write_config(workdir, plugin, http_port, dicom_port)
        url = f"http://127.0.0.1:{http_port}"
        with log.open("ab") as log_file:
            process = subprocess.Popen(
                [str(binary), str(config)],
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=workdir,
            )
        try:
            _wait_until_up(process, url, log)
        except OrthancUnavailable:
            _stop(process)
            if attempt == 2:
                raise
            continue
        try:
            instances = load_files(url, files)
            yield OrthancServer(
                url=url,
                dicomweb_url=f"{url}/dicom-web",
                dicom_port=dicom_port,
                aet=_AET,
                workdir=workdir,
                instances=instances,
            )
        finally:
            _stop(process)
        return


def services_required() -> bool:
    """Whether a missing test service must fail the run instead of skipping (CI)."""
    return os.environ.get("PIXELWISE_TEST_REQUIRE_SERVICES") == "1"


def skip_or_fail(message: str) -> None:
    """Skip the test, or fail it when PIXELWISE_TEST_REQUIRE_SERVICES=1."""
    if services_required():
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def orthanc_or_skip(
    files: Iterable[Path], workdir: Path | None = None, *, dicom: bool = False
) -> Iterator[OrthancServer]:
    """`running_orthanc`, skipping when the sample files are missing (they come with the
    shared data set, which a user's machine may not have), and when Orthanc is not
    available (failing instead under PIXELWISE_TEST_REQUIRE_SERVICES=1)."""
    chosen = list(files)
    if not chosen or not all(path.is_file() for path in chosen):
        pytest.skip(f"these tests need the sample DICOM files under {DICOM_DATA} (absent)")
    with ExitStack() as stack:
        try:
            server = stack.enter_context(running_orthanc(chosen, workdir, dicom=dicom))
        except OrthancUnavailable as error:
            skip_or_fail(f"these tests need Orthanc with its DICOMweb plugin: {error}")
            raise  # not reached: skip_or_fail raises
        yield server
