"""The audit log records sign-ins, changes and original reads; admins search and export it."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from pixelwise.services.context import Context

from helpers import PASSWORD, add_dataset_with_image, bearer


def events(client: TestClient, token: str, **params: object) -> list[dict[str, object]]:
    response = client.get("/api/audit", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_logins_both_good_and_bad_are_recorded_with_address(
    client: TestClient, make_user: object, admin_token: str
) -> None:
    user, _ = make_user()  # type: ignore[operator]
    client.post("/api/auth/login", json={"email": user.email, "password": "wrong-one"})
    client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    found = events(client, admin_token, action="auth.", target_id=user.email)
    assert [e["action"] for e in found] == ["auth.login", "auth.login_failed"]
    assert found[1]["detail"] == {"reason": "wrong password"}
    assert found[0]["client_address"] == "testclient"
    assert found[0]["actor_email"] == user.email


def test_changes_and_original_reads_are_recorded(
    client: TestClient, ctx: Context, admin_token: str
) -> None:
    dataset_id, asset_id, _ = add_dataset_with_image(ctx)
    project = client.post(
        "/api/projects",
        json={"name": "Audited", "dataset_id": dataset_id},
        headers=bearer(admin_token),
    ).json()
    client.get(
        f"/api/projects/{project['id']}/assets/{asset_id}/original", headers=bearer(admin_token)
    )
    actions = [e["action"] for e in events(client, admin_token, project_id=project["id"])]
    assert actions == ["asset.download", "project.create"]
    read = events(client, admin_token, action="asset.download")[0]
    assert read["target_type"] == "asset"
    assert read["target_id"] == str(asset_id)


def test_filters_by_actor_and_time(client: TestClient, make_user: object, admin_token: str) -> None:
    user, token = make_user()  # type: ignore[operator]
    client.post("/api/tokens", json={"name": "x"}, headers=bearer(token))
    mine = events(client, admin_token, actor_id=user.id)
    assert [e["action"] for e in mine] == ["token.create"]
    future = events(client, admin_token, since="2999-01-01T00:00:00Z")
    assert future == []
    bad = client.get(
        "/api/audit",
        params={"since": "2030-01-01T00:00:00Z", "until": "2020-01-01T00:00:00Z"},
        headers=bearer(admin_token),
    )
    assert bad.status_code == 422


def test_csv_export_streams_every_matching_event(
    client: TestClient, make_user: object, admin_token: str
) -> None:
    for _ in range(3):
        make_user()  # type: ignore[operator]
    response = client.get(
        "/api/audit/export.csv", params={"action": "user.create"}, headers=bearer(admin_token)
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 4  # the admin and three members
    assert {row["action"] for row in rows} == {"user.create"}
    assert all(row["target_type"] == "user" for row in rows)
    exported = events(client, admin_token, action="audit.export")
    assert len(exported) == 1


def test_members_cannot_read_the_audit_log(client: TestClient, make_user: object) -> None:
    _, token = make_user()  # type: ignore[operator]
    assert client.get("/api/audit", headers=bearer(token)).status_code == 403
    assert client.get("/api/audit/export.csv", headers=bearer(token)).status_code == 403
