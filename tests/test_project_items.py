"""Projects: pinned instruction versions and their migration, workflow settings, work
items for every asset (also those added later), and the item filter with cursor pages."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from annotation_helpers import DOCUMENT, box, make_project, patch, upload_images

from helpers import bearer


def _items(client: TestClient, token: str, project_id: int, where: Any = None, **query: Any) -> Any:
    params = {**query}
    if where is not None:
        params["filter"] = json.dumps(where)
    response = client.get(f"/api/projects/{project_id}/items", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()


def test_items_exist_for_every_asset_including_later_ones(
    client: TestClient, admin_token: str
) -> None:
    project_id, dataset_id, item_ids = make_project(client, admin_token, ["a.png", "b.png"])
    assert len(item_ids) == 2
    upload_images(client, admin_token, dataset_id, ["later/c.png"])
    listed = _items(client, admin_token, project_id)["items"]
    assert [item["name"] for item in listed] == ["a.png", "b.png", "c.png"]
    assert listed[2]["folder"] == "later"
    assert listed[2]["state"] == "queued"
    project = client.get(f"/api/projects/{project_id}", headers=bearer(admin_token)).json()
    assert project["item_count"] == 3
    assert project["instruction_version"] == 1


def test_a_project_over_a_folder_only_has_that_folder(client: TestClient, admin_token: str) -> None:
    _, dataset_id, _ = make_project(client, admin_token, ["top.png", "cats/a.png", "cats/x/b.png",
                                                          "catsup/c.png"])  # fmt: skip
    created = client.post(
        "/api/projects", json={"name": "Cats", "dataset_id": dataset_id, "folder": "/cats/"},
        headers=bearer(admin_token),
    )  # fmt: skip
    assert created.status_code == 201, created.text
    assert created.json()["folder"] == "cats"
    names = [i["name"] for i in _items(client, admin_token, created.json()["id"])["items"]]
    assert names == ["a.png", "b.png"]
    upload_images(client, admin_token, dataset_id, ["cats/d.png", "dogs/e.png"])
    names = [i["name"] for i in _items(client, admin_token, created.json()["id"])["items"]]
    assert names == ["a.png", "b.png", "d.png"]


def test_workflow_settings_are_kept_and_checked(client: TestClient, admin_token: str) -> None:
    settings = {"consensus_share": 0.2, "consensus_count": 3, "gold_share": 0.05,
                "review_policy": "sample", "review_share": 0.1}  # fmt: skip
    created = client.post("/api/projects", json={"name": "W", "workflow": settings},
                          headers=bearer(admin_token))  # fmt: skip
    assert created.status_code == 201, created.text
    assert created.json()["workflow"] == settings
    bad = client.post("/api/projects", json={"name": "W2", "workflow": {"gold_share": 2}},
                      headers=bearer(admin_token))  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["field"] == "workflow.gold_share"
    changed = client.patch(f"/api/projects/{created.json()['id']}",
                           json={"workflow": {"review_policy": "all"}},
                           headers=bearer(admin_token))  # fmt: skip
    assert changed.json()["workflow"]["review_policy"] == "all"
    unknown = client.post("/api/projects", json={"name": "W3", "instruction_id": 999999},
                          headers=bearer(admin_token))  # fmt: skip
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "instruction_id"


def test_filters_combine_with_and_or_and_pages_follow_cursors(
    client: TestClient, admin_token: str, make_user: Any
) -> None:
    names = [f"{n}.png" for n in "abcdef"]
    project_id, _, ids = make_project(client, admin_token, names)
    other, other_token = make_user("member")
    client.put(f"/api/projects/{project_id}/members/{other.id}", json={"role": "annotator"},
               headers=bearer(admin_token))  # fmt: skip
    red = {"id": "r", "class": "car", "geometry": box(1, 1, 4, 4),
           "attributes": {"colour": "red", "tags": ["taxi"]}}  # fmt: skip
    blue = {"id": "b", "class": "car", "geometry": box(1, 1, 4, 4),
            "attributes": {"colour": "blue", "parked": True}}  # fmt: skip
    road = {
        "id": "p",
        "class": "road",
        "geometry": {"type": "polygon", "parts": [{"outer": [[0, 0], [9, 0], [9, 9]]}]},
    }
    patch(client, admin_token, project_id, ids[0], 0, put=[red], answers={"weather": "rain"})
    patch(client, admin_token, project_id, ids[1], 0, put=[blue, road])
    patch(client, other_token, project_id, ids[2], 0, put=[road], answers={"weather": "sunny"})
    model = {**road, "id": "m", "source": "model", "model": "seg", "score": 0.9}
    patch(client, other_token, project_id, ids[3], 0, put=[model])

    def found(where: Any) -> list[int]:
        return [ids.index(i["id"]) for i in _items(client, admin_token, project_id, where)["items"]]

    assert found({"class": "car"}) == [0, 1]
    assert found({"class": "road"}) == [1, 2, 3]
    assert found({"and": [{"class": "road"}, {"class": "car"}]}) == [1]
    assert found(
        {"or": [{"attribute": "colour", "equals": "red"}, {"answer": "weather", "equals": "sunny"}]}
    ) == [0, 2]
    assert found({"attribute": "tags", "equals": "taxi"}) == [0], "multiple choice includes"
    assert found({"attribute": "parked", "equals": True, "class": "car"}) == [1]
    assert found({"annotator": other.id}) == [2, 3]
    assert found({"not": {"annotator": other.id}}) == [0, 1, 4, 5]
    assert found({"empty": True}) == [4, 5]
    assert found({"source": "model"}) == [3]
    assert found({"and": [{"state": "queued"}, {"or": [{"empty": True}, {"class": "car"}]}]}) == [
        0, 1, 4, 5,
    ]  # fmt: skip
    seen: list[int] = []
    cursor = None
    while True:
        page = _items(client, admin_token, project_id, {"empty": False}, limit=2,
                      **({"cursor": cursor} if cursor else {}))  # fmt: skip
        assert len(page["items"]) <= 2
        seen += [ids.index(i["id"]) for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [0, 1, 2, 3]
    search = client.post(f"/api/projects/{project_id}/items/search",
                         json={"filter": {"class": "car"}, "limit": 1},
                         headers=bearer(admin_token))  # fmt: skip
    assert len(search.json()["items"]) == 1
    assert search.json()["next_cursor"]
    bad = client.get(f"/api/projects/{project_id}/items", params={"filter": '{"colour": 1}'},
                     headers=bearer(admin_token))  # fmt: skip
    assert bad.status_code == 422
    assert "not understood" in bad.json()["detail"]


def test_moving_to_a_new_instruction_version_migrates_or_refuses(
    client: TestClient, admin_token: str
) -> None:
    project_id, _, [item_id] = make_project(client, admin_token, ["a.png"])
    car = {"id": "c", "class": "car", "geometry": box(1, 1, 4, 4),
           "attributes": {"colour": "blue", "tags": ["old", "taxi"], "parked": True}}  # fmt: skip
    patch(client, admin_token, project_id, item_id, 0, put=[car], answers={"weather": "rain"})
    instruction_id = client.get(f"/api/projects/{project_id}",
                                headers=bearer(admin_token)).json()["instruction_id"]  # fmt: skip
    classes = [dict(c) for c in DOCUMENT["classes"]]
    classes[0] = {**classes[0], "attributes": [
        {"key": "colour", "name": "Colour", "type": "single_choice",
         "choices": [{"key": "red", "name": "Red"}]},
        {"key": "tags", "name": "Tags", "type": "multiple_choice",
         "choices": [{"key": "taxi", "name": "Taxi"}]},
        {"key": "doors", "name": "Doors", "type": "number", "default": 4},
    ]}  # fmt: skip
    kept = {**DOCUMENT, "classes": classes, "questions": []}
    dropped = {**DOCUMENT, "classes": classes[1:]}
    for document in (kept, dropped):
        created = client.post(f"/api/instructions/{instruction_id}/versions",
                              json={"document": document}, headers=bearer(admin_token))  # fmt: skip
        assert created.status_code == 201, created.text
    url = f"/api/projects/{project_id}/instruction"
    refused = client.post(url, json={"instruction_id": instruction_id, "version": 3},
                          headers=bearer(admin_token))  # fmt: skip
    assert refused.status_code == 409
    assert "class `car` is removed but 1 existing object use" in refused.json()["detail"]
    assert refused.json()["problems"][0]["path"] == "classes[0]"
    dry = client.post(url, json={"instruction_id": instruction_id, "version": 2, "dry_run": True},
                      headers=bearer(admin_token))  # fmt: skip
    assert dry.status_code == 200
    assert dry.json()["applied"] is False
    assert any("parked" in change for change in dry.json()["changes"])
    moved = client.post(url, json={"instruction_id": instruction_id, "version": 2},
                        headers=bearer(admin_token))  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert moved.json()["applied"]
    assert moved.json()["migrated_objects"] == 1
    got = client.get(f"/api/projects/{project_id}/items/{item_id}/annotation",
                     headers=bearer(admin_token)).json()  # fmt: skip
    assert got["revision"] == 2
    assert got["objects"][0]["attributes"] == {"tags": ["taxi"], "doors": 4}
    assert got["answers"] == {}
    old = client.get(f"/api/projects/{project_id}/items/{item_id}/annotation/revisions/1",
                     headers=bearer(admin_token)).json()  # fmt: skip
    assert old["objects"][0]["attributes"]["colour"] == "blue", "history keeps what was there"
    project = client.get(f"/api/projects/{project_id}", headers=bearer(admin_token)).json()
    assert project["instruction_version"] == 2
