"""The browser client at /: built files with their caching, the single-page fallback, the page
shown before a build, and the API left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pixelwise.api import web

INDEX = '<!doctype html><div id="root"></div><script src="/assets/app-1a2b.js"></script>'


@pytest.fixture
def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny fake Vite build, served in place of the real one."""
    dist = tmp_path / "web_dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "app-1a2b.js").write_text("console.log('pixelwise');")
    (dist / "assets" / "app-1a2b.css").write_text("body { margin: 0 }")
    (dist / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_text("outside the build")
    monkeypatch.setattr(web, "DIST", dist)
    return dist


@pytest.fixture
def no_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "DIST", tmp_path / "not-built")


def test_index_is_served_at_the_root_and_revalidated(client: TestClient, build: Path) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_hashed_assets_are_cached_for_a_year(client: TestClient, build: Path) -> None:
    script = client.get("/assets/app-1a2b.js")
    assert script.status_code == 200
    assert script.text == "console.log('pixelwise');"
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    style = client.get("/assets/app-1a2b.css")
    assert style.headers["content-type"].startswith("text/css")
    assert style.headers["cache-control"] == "public, max-age=31536000, immutable"
    # Files at the top of the build keep their names across builds: revalidated.
    icon = client.get("/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.headers["cache-control"] == "no-cache"


def test_client_routes_answer_the_index(client: TestClient, build: Path) -> None:
    for path in ("/datasets", "/projects/12", "/profile/tokens?x=1", "/index.html"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.text == INDEX, path
        assert response.headers["cache-control"] == "no-cache", path


def test_a_missing_asset_is_a_404_not_the_index(client: TestClient, build: Path) -> None:
    response = client.get("/assets/app-0000.js")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_files_outside_the_build_are_never_served(client: TestClient, build: Path) -> None:
    for path in ("/../secret.txt", "/..%2fsecret.txt", "/assets/..%2f..%2fsecret.txt"):
        response = client.get(path)
        assert "outside the build" not in response.text, path


def test_a_stale_session_cookie_does_not_block_the_page(client: TestClient, build: Path) -> None:
    client.cookies.set("pixelwise_session", "not-a-valid-cookie")
    response = client.get("/datasets")
    assert response.status_code == 200
    assert response.text == INDEX


def test_without_a_build_the_root_says_how_to_build(client: TestClient, no_build: None) -> None:
    for path in ("/", "/datasets"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert "cd web &amp;&amp; npm ci &amp;&amp; npm run build" in response.text
        assert "/api/docs" in response.text


def test_the_api_is_unaffected(client: TestClient, build: Path) -> None:
    for method in ("GET", "POST", "DELETE"):
        for path in ("/api/no-such-thing", "/api", "/api/"):
            response = client.request(method, path)
            assert response.status_code == 404, (method, path)
            assert response.headers["content-type"] == "application/problem+json"
            assert "/api/docs" in response.json()["detail"]
    assert client.get("/api/health").json()["status"] == "ok"
    assert client.get("/api/docs").status_code == 200
    assert client.get("/api/openapi.json").json()["info"]["title"] == "Pixelwise API"
    paths = client.get("/api/openapi.json").json()["paths"]
    assert all(path.startswith("/api/") for path in paths)
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")


def test_the_middlewares_still_apply(client: TestClient, build: Path) -> None:
    assert client.get("/datasets%00").status_code == 400
    assert client.get("/").headers["x-request-id"]
    response = client.post("/datasets", content=b"x" * (11 * 1024 * 1024))
    assert response.status_code == 413
    # Only GET reads the client's pages.
    wrong = client.post("/datasets", json={})
    assert wrong.status_code == 405
    assert wrong.headers["content-type"] == "application/problem+json"
