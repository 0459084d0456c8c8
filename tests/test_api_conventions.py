"""Problem details for bad input, pagination, health, metrics and the request log."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pixelwise import __version__
from pixelwise.app import create_app
from pixelwise.jobs.runtime import JobRuntime
from pixelwise.services.context import Context
from pixelwise.settings import Settings

from helpers import bearer


def test_malformed_json_is_a_400_problem(client: TestClient, admin_token: str) -> None:
    response = client.post(
        "/api/projects",
        content=b'{"name": "x",',
        headers={**bearer(admin_token), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert body["status"] == 400
    assert "not valid JSON" in body["detail"]


def test_wrong_types_and_unknown_fields_name_the_field(
    client: TestClient, admin_token: str
) -> None:
    wrong = client.post("/api/projects", json={"name": 12}, headers=bearer(admin_token))
    assert wrong.status_code == 422
    assert "body:name" in wrong.json()["detail"]
    unknown = client.post(
        "/api/projects", json={"name": "ok", "colour": "red"}, headers=bearer(admin_token)
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["location"] == "body:colour"


def test_huge_body_is_refused_with_413(client: TestClient, admin_token: str) -> None:
    big = json.dumps({"name": "x", "description": "y" * (11 * 1024 * 1024)})
    response = client.post(
        "/api/projects",
        content=big.encode(),
        headers={**bearer(admin_token), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert "PIXELWISE_MAX_BODY_BYTES" in response.json()["detail"]


def test_unknown_ids_and_addresses_are_404_problems(client: TestClient, admin_token: str) -> None:
    missing = client.get("/api/projects/987654", headers=bearer(admin_token))
    assert missing.status_code == 404
    assert missing.json()["detail"] == "There is no project 987654."
    nowhere = client.get("/api/no-such-thing")
    assert nowhere.status_code == 404
    assert "/api/docs" in nowhere.json()["detail"]
    too_big = client.get(f"/api/users/{2**70}", headers=bearer(admin_token))
    assert too_big.status_code == 422


def test_wrong_method_is_405(client: TestClient) -> None:
    response = client.delete("/api/health")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


def test_cursor_pagination_walks_every_item_once(client: TestClient, admin_token: str) -> None:
    for index in range(7):
        created = client.post(
            "/api/projects", json={"name": f"p{index}"}, headers=bearer(admin_token)
        )
        assert created.status_code == 201
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/projects", params=params, headers=bearer(admin_token)).json()
        seen.extend(item["name"] for item in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"p{i}" for i in range(7)]
    assert pages == 3


def test_bad_cursor_is_a_clear_422(client: TestClient, admin_token: str) -> None:
    response = client.get(
        "/api/projects", params={"cursor": "garbage!"}, headers=bearer(admin_token)
    )
    assert response.status_code == 422
    assert "cursor" in response.json()["detail"]


def test_health_reports_version_database_and_broker(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "version": __version__,
        "database": "ok",
        "broker": "ok",
    }


def test_openapi_and_docs_are_served(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert spec["info"]["title"] == "Pixelwise API"
    assert "/api/auth/login" in spec["paths"]
    assert spec["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "/api/openapi.json" in page.text
    assert "cdn" not in page.text.lower()
    script = client.get("/api/docs/static/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert client.get("/api/docs/static/..%2Fcore.py").status_code == 404


def test_metrics_count_requests_by_route_template(client: TestClient, admin_token: str) -> None:
    client.get("/api/projects/5", headers=bearer(admin_token))
    client.get("/api/projects/6", headers=bearer(admin_token))
    text = client.get("/metrics").text
    series = 'method="GET",route="/api/projects/{project_id}",status="404"'
    assert f"pixelwise_http_requests_total{{{series}}} 2.0" in text
    assert "pixelwise_http_request_duration_seconds_bucket" in text


def test_each_request_is_logged_once_with_latency(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="pixelwise.request"):
        response = client.get("/api/health")
    records = [r for r in caplog.records if r.name == "pixelwise.request"]
    assert len(records) == 1
    record = records[0]
    assert record.__dict__["status"] == 200
    assert record.__dict__["route"] == "/api/health"
    assert record.__dict__["latency_ms"] >= 0
    assert record.__dict__["request_id"] == response.headers["x-request-id"]


def test_health_is_503_naming_an_unreachable_broker(settings: Settings, ctx: Context) -> None:
    broken = settings.model_copy(
        update={"broker_url": "redis://127.0.0.1:1/0", "embedded_worker": False}
    )
    context = Context(broken, ctx.database, ctx.blobs)
    context.enqueuer = JobRuntime(context)
    with TestClient(create_app(broken, context)) as client:
        response = client.get("/api/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "ok"
    assert body["broker"].startswith("cannot reach the job broker at redis://127.0.0.1:1/0")


def test_json_log_lines_carry_the_request_fields() -> None:
    from pixelwise.logs import JsonFormatter

    record = logging.makeLogRecord(
        {"name": "pixelwise.request", "msg": "GET /api/health 200", "levelname": "INFO",
         "status": 200, "latency_ms": 1.5, "color_message": "\x1b[1mGET\x1b[0m"}
    )  # fmt: skip
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /api/health 200"
    assert line["status"] == 200
    assert line["latency_ms"] == 1.5
    assert line["level"] == "info"
    assert "color_message" not in line


def test_a_streamed_body_over_the_limit_is_cut_off_with_413(
    client: TestClient, admin_token: str
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "x", "description": "'
        for _ in range(12):
            yield b"y" * (1024 * 1024)
        yield b'"}'

    response = client.post(
        "/api/projects",
        content=chunks(),
        headers={**bearer(admin_token), "Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_nul_characters_are_refused_not_stored(client: TestClient, admin_token: str) -> None:
    in_query = client.get(
        "/api/audit",
        params={"action": "a\x00b"},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert in_query.status_code == 400
    assert "NUL" in in_query.json()["detail"]
    in_body = client.post(
        "/api/datasets", json={"name": "a\x00b"}, headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert in_body.status_code == 422
