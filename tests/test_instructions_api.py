"""Labeling instructions over the API: schema, versions, and problems with their paths."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from helpers import bearer

DOCUMENT: dict[str, Any] = {
    "classes": [
        {"key": "car", "name": "Car", "color": "#ff0000", "tool": "box", "hotkey": "c",
         "attributes": [{"key": "parked", "name": "Parked", "type": "boolean"}]},
        {"key": "road", "name": "Road", "color": "#00ff00", "tool": "polygon", "hotkey": "r"},
    ],
    "questions": [
        {"key": "weather", "text": "Weather?", "type": "single_choice",
         "choices": [{"key": "sunny", "name": "Sunny"}, {"key": "rain", "name": "Rain"}]},
    ],
}  # fmt: skip


def test_an_instruction_is_created_versioned_and_read_back(
    client: TestClient, admin_token: str, make_user: Any
) -> None:
    created = client.post(
        "/api/instructions", json={"name": "Street", "document": DOCUMENT},
        headers=bearer(admin_token),
    )  # fmt: skip
    assert created.status_code == 201, created.text
    first = created.json()
    assert first["version"] == 1
    assert first["document"]["classes"][0]["key"] == "car"
    instruction_id = first["instruction_id"]
    edited = {**DOCUMENT, "classes": [*DOCUMENT["classes"],
              {"key": "bike", "name": "Bike", "color": "#0000ff", "tool": "box"}]}  # fmt: skip
    second = client.post(
        f"/api/instructions/{instruction_id}/versions", json={"document": edited},
        headers=bearer(admin_token),
    )  # fmt: skip
    assert second.status_code == 201
    assert second.json()["version"] == 2
    _, member_token = make_user("member")
    old = client.get(f"/api/instructions/{instruction_id}/versions/1", headers=bearer(member_token))
    assert [c["key"] for c in old.json()["document"]["classes"]] == ["car", "road"]
    info = client.get(f"/api/instructions/{instruction_id}", headers=bearer(member_token)).json()
    assert (info["name"], info["latest_version"]) == ("Street", 2)
    listed = client.get("/api/instructions", headers=bearer(member_token)).json()["items"]
    assert [item["name"] for item in listed] == ["Street"]
    missing = client.get(
        f"/api/instructions/{instruction_id}/versions/3", headers=bearer(member_token)
    )
    assert missing.status_code == 404
    denied = client.post(
        "/api/instructions", json={"name": "Mine", "document": DOCUMENT},
        headers=bearer(member_token),
    )  # fmt: skip
    assert denied.status_code == 403


def test_bad_documents_are_422_with_every_problem_and_its_path(
    client: TestClient, admin_token: str
) -> None:
    bad = {
        "classes": [
            {"key": "car", "name": "Car", "color": "#ff0000", "tool": "box", "hotkey": "c"},
            {"key": "van", "name": "car", "color": "#00ff00", "tool": "lasso", "hotkey": "C"},
        ],
        "questions": [{"key": "q", "text": "?", "type": "single_choice", "choices": []}],
    }
    response = client.post(
        "/api/instructions", json={"name": "Bad", "document": bad}, headers=bearer(admin_token)
    )
    assert response.status_code == 422
    body = response.json()
    paths = {problem["path"] for problem in body["problems"]}
    assert any(path.startswith("classes[1].tool") for path in paths), paths
    assert any(path.startswith("questions[0].choices") for path in paths), paths
    assert body["detail"].startswith(body["problems"][0]["path"])
    again = client.post(
        "/api/instructions", json={"name": "Bad", "document": DOCUMENT},
        headers=bearer(admin_token),
    )  # fmt: skip
    assert again.status_code == 201
    taken = client.post(
        "/api/instructions", json={"name": "Bad", "document": DOCUMENT},
        headers=bearer(admin_token),
    )  # fmt: skip
    assert taken.status_code == 409


def test_the_schema_is_published(client: TestClient, admin_token: str) -> None:
    import jsonschema

    schema = client.get("/api/instructions/schema", headers=bearer(admin_token)).json()
    assert schema["$id"].startswith("urn:pixelwise:schema:labeling-instruction")
    jsonschema.Draft202012Validator(schema).validate(DOCUMENT)
