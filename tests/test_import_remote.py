"""Importing from a CSV of URLs and from a DICOMweb server, through the API."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orthanc import HEAD_CT, OrthancServer, orthanc_or_skip
from pixelwise.services.context import Context

from cli_helpers import env_for, pixelwise
from helpers import bearer, by_path, job_result, jpeg, png


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def web(tmp_path: Path) -> Iterator[str]:
    """A plain web server on loopback serving a folder with two images."""
    root = tmp_path / "www"
    (root / "img").mkdir(parents=True)
    (root / "img" / "red.png").write_bytes(png((255, 0, 0)))
    (root / "img" / "green.jpg").write_bytes(jpeg((0, 255, 0)))
    (root / "img" / "noext").write_bytes(png((0, 0, 255)))
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def new_dataset(client: TestClient, token: str, name: str) -> int:
    return int(
        client.post("/api/datasets", json={"name": name}, headers=bearer(token)).json()["id"]
    )


def import_csv(
    client: TestClient, token: str, dataset_id: int, text: str, **query: Any
) -> dict[str, Any]:
    started = client.post(
        f"/api/datasets/{dataset_id}/imports/urls", content=text.encode(), params=query,
        headers={**bearer(token), "Content-Type": "text/csv"},
    )  # fmt: skip
    assert started.status_code == 202, started.text
    return job_result(client, token, started.json()["id"], timeout=60)


def project_assets(client: TestClient, token: str, dataset_id: int) -> tuple[int, list[Any]]:
    project = client.post(
        "/api/projects", json={"name": "P", "dataset_id": dataset_id}, headers=bearer(token)
    ).json()
    listed = client.get(f"/api/projects/{project['id']}/assets", headers=bearer(token)).json()
    return int(project["id"]), list(listed["items"])


def test_urls_are_downloaded_with_a_report_for_every_row(
    client: TestClient, ctx: Context, admin_token: str, web: str
) -> None:
    ctx.settings.url_allow_hosts = ["127.0.0.1"]
    dataset_id = new_dataset(client, admin_token, "Web")
    csv = (
        "url,folder,name\n"
        f"{web}/img/red.png,,\n"
        f"{web}/img/green.jpg,greens,leaf.jpg\n"
        f"{web}/img/noext,,\n"
        f"{web}/img/missing.png,,\n"
        "http://169.254.169.254/latest/meta-data,,\n"
        "ftp://example.org/a.png,,\n"
    )
    result = import_csv(client, admin_token, dataset_id, csv)
    report = by_path(result)
    assert report["red.png"] == ("imported", "")
    assert report["greens/leaf.jpg"] == ("imported", "")
    assert report["noext"] == ("imported", "")  # recognised by its bytes
    assert report["missing.png"][0] == "failed"
    assert "404" in report["missing.png"][1]
    assert report["meta-data"][0] == "failed"
    assert "urls.csv line 7" in report
    assert report["urls.csv line 7"][0] == "failed"
    assert (result["imported"], result["failed"]) == (3, 3)
    assert not list((ctx.settings.home_dir / "uploads").iterdir()), "staged CSV left behind"


def test_loopback_is_refused_unless_allow_listed(
    client: TestClient, ctx: Context, admin_token: str, web: str
) -> None:
    ctx.settings.url_allow_hosts = []
    dataset_id = new_dataset(client, admin_token, "Blocked")
    result = import_csv(client, admin_token, dataset_id, f"url\n{web}/img/red.png\n")
    status, reason = by_path(result)["red.png"]
    assert status == "failed"
    assert "PIXELWISE_URL_ALLOW_HOSTS" in reason or "loopback" in reason


def test_registered_urls_are_not_downloaded_and_are_served_by_proxy(
    client: TestClient, ctx: Context, admin_token: str, web: str
) -> None:
    ctx.settings.url_allow_hosts = ["127.0.0.1"]
    dataset_id = new_dataset(client, admin_token, "Registered")
    csv = f"url\n{web}/img/red.png\n{web}/img/red.png\n"
    result = import_csv(client, admin_token, dataset_id, csv, register_only="true")
    assert result["imported"] == 1
    project_id, [asset] = project_assets(client, admin_token, dataset_id)
    assert asset["size_bytes"] == 0  # nothing was read
    view = client.get(
        f"/api/projects/{project_id}/assets/{asset['id']}/view", headers=bearer(admin_token)
    )
    assert view.status_code == 200
    assert view.content == png((255, 0, 0))
    thumb = client.get(
        f"/api/projects/{project_id}/assets/{asset['id']}/thumbnail", headers=bearer(admin_token)
    )
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/webp"


def test_an_empty_or_headerless_csv_is_refused(
    client: TestClient, ctx: Context, admin_token: str
) -> None:
    dataset_id = new_dataset(client, admin_token, "Bad CSV")
    empty = client.post(
        f"/api/datasets/{dataset_id}/imports/urls", content=b"",
        headers={**bearer(admin_token), "Content-Type": "text/csv"},
    )  # fmt: skip
    assert empty.status_code == 422
    started = client.post(
        f"/api/datasets/{dataset_id}/imports/urls", content=b"link\nhttp://x/a.png\n",
        headers={**bearer(admin_token), "Content-Type": "text/csv"},
    )  # fmt: skip
    assert started.status_code == 202
    job = client.get(f"/api/jobs/{started.json()['id']}", headers=bearer(admin_token))
    for _ in range(200):
        if job.json()["state"] in ("done", "failed"):
            break
        job = client.get(f"/api/jobs/{started.json()['id']}", headers=bearer(admin_token))
    assert job.json()["state"] == "failed"
    assert "url" in job.json()["error"]


@pytest.fixture(scope="module")
def orthanc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrthancServer]:
    files = sorted(HEAD_CT.glob("*.dcm")) if HEAD_CT.is_dir() else []
    with orthanc_or_skip(files, tmp_path_factory.mktemp("orthanc")) as server:
        yield server


def test_a_dicomweb_study_becomes_a_series_asset(
    client: TestClient, ctx: Context, admin_token: str, orthanc: OrthancServer
) -> None:
    ctx.settings.url_allow_hosts = ["127.0.0.1"]
    import pydicom

    study = pydicom.dcmread(HEAD_CT / "01.dcm", stop_before_pixels=True).StudyInstanceUID
    dataset_id = new_dataset(client, admin_token, "PACS")
    started = client.post(
        f"/api/datasets/{dataset_id}/imports/dicomweb",
        json={"url": orthanc.study_url(study), "folder": "pacs"}, headers=bearer(admin_token),
    )  # fmt: skip
    assert started.status_code == 202, started.text
    result = job_result(client, admin_token, started.json()["id"], timeout=60)
    assert (result["imported"], result["failed"]) == (28, 0), result
    _, [series] = project_assets(client, admin_token, dataset_id)
    assert series["kind"] == "dicom"
    assert series["frame_count"] == 28


def test_dicomweb_urls_are_checked_before_the_job_starts(
    client: TestClient, ctx: Context, admin_token: str
) -> None:
    ctx.settings.url_allow_hosts = []
    dataset_id = new_dataset(client, admin_token, "Checked")
    bad = client.post(
        f"/api/datasets/{dataset_id}/imports/dicomweb", json={"url": "http://x/not-dicomweb"},
        headers=bearer(admin_token),
    )  # fmt: skip
    assert bad.status_code == 422
    blocked = client.post(
        f"/api/datasets/{dataset_id}/imports/dicomweb",
        json={"url": "http://127.0.0.1:9/dicom-web/studies/1.2.3"}, headers=bearer(admin_token),
    )  # fmt: skip
    assert blocked.status_code == 422
    assert "127.0.0.1" in blocked.json()["detail"]


@pytest.mark.timeout(120)
def test_cli_imports_a_csv_of_urls(tmp_path: Path, database_url: str, web: str) -> None:
    csv = tmp_path / "list.csv"
    csv.write_text(f"url\n{web}/img/red.png\n{web}/img/gone.png\n")
    env = env_for(
        tmp_path / "home", PIXELWISE_DATABASE_URL=database_url,
        PIXELWISE_URL_ALLOW_HOSTS="127.0.0.1",
    )  # fmt: skip
    done = pixelwise("datasets", "import", str(csv), "--dataset", "Listed", env=env)
    assert done.returncode == 1, done.stderr  # one URL failed
    assert "imported 1, skipped 0, failed 1" in done.stdout
    assert "gone.png" in done.stdout
    assert csv.exists(), "the operator's CSV is theirs: never removed"
