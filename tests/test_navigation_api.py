"""What the management pages and the workspace navigation read: a project's progress by
state, windows of items around one (the thumbnail strip) and "jump to item" by position
or file name, thumbnails through a dataset, and instruction versions and renaming."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from annotation_helpers import DOCUMENT, box, make_project, patch, upload_images
from pixelwise.services import item_positions

from helpers import bearer


def _get(client: TestClient, token: str, url: str, **params: Any) -> Any:
    response = client.get(url, params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()


def test_progress_counts_items_by_state_with_new_and_in_progress(
    client: TestClient, admin_token: str
) -> None:
    project_id, _, items = make_project(client, admin_token, [f"{n}.png" for n in "abcde"])
    url = f"/api/projects/{project_id}/progress"
    before = _get(client, admin_token, url)
    assert before["total"] == 5
    assert before["by_state"] == {"queued": 5, "leased": 0, "submitted": 0, "skipped": 0,
                                  "in_review": 0, "accepted": 0, "rejected": 0}  # fmt: skip
    assert (before["new"], before["in_progress"], before["done"]) == (5, 0, 0)

    # One item started, one submitted.
    saved = patch(client, admin_token, project_id, items[1], 0,
                  put=[{"id": "r", "class": "road",
                        "geometry": {"type": "polygon", "parts": [
                            {"outer": [[1, 1], [9, 1], [9, 9]], "holes": []}]}}])  # fmt: skip
    assert saved.status_code == 200, saved.text
    answered = patch(client, admin_token, project_id, items[2], 0, answers={"weather": "rain"})
    assert answered.status_code == 200, answered.text
    submitted = client.post(f"/api/projects/{project_id}/items/{items[2]}/submit",
                            json={"base_revision": 1}, headers=bearer(admin_token))  # fmt: skip
    assert submitted.status_code == 200, submitted.text

    after = _get(client, admin_token, url)
    assert after["total"] == 5
    assert after["by_state"]["queued"] == 4
    assert after["by_state"]["submitted"] == 1
    assert (after["new"], after["in_progress"], after["done"]) == (3, 1, 1)
    # The numbers agree with the item list's state filter.
    listed = _get(client, admin_token, f"/api/projects/{project_id}/items",
                  filter=json.dumps({"state": "submitted"}))  # fmt: skip
    assert [item["id"] for item in listed["items"]] == [items[2]]

    missing = client.get("/api/projects/999999/progress", headers=bearer(admin_token))
    assert missing.status_code == 404


def test_item_window_gives_neighbours_with_positions_and_states(
    client: TestClient, admin_token: str
) -> None:
    names = [f"img{n:02d}.png" for n in range(1, 13)]
    project_id, _, items = make_project(client, admin_token, names)
    patch(client, admin_token, project_id, items[5], 0,
          put=[{"id": "c", "class": "car", "geometry": box(1, 1, 3, 3)}])  # fmt: skip
    url = f"/api/projects/{project_id}/item-window"

    around = _get(client, admin_token, url, item_id=items[5], before=2, after=3)
    assert around["total"] == 12
    assert (around["anchor_id"], around["anchor_position"]) == (items[5], 6)
    assert [i["position"] for i in around["items"]] == [4, 5, 6, 7, 8, 9]
    assert [i["id"] for i in around["items"]] == items[3:9]
    assert [i["name"] for i in around["items"]] == names[3:9]
    anchor = around["items"][2]
    assert (anchor["state"], anchor["revision"], anchor["object_count"]) == ("queued", 1, 1)
    assert (anchor["width"], anchor["height"], anchor["kind"]) == (64, 48, "image")

    # At the ends the window is shorter, never wrong.
    start = _get(client, admin_token, url, item_id=items[0], before=5, after=1)
    assert [i["position"] for i in start["items"]] == [1, 2]
    end = _get(client, admin_token, url, position=12, before=1, after=5)
    assert [i["id"] for i in end["items"]] == items[10:12]
    assert end["anchor_id"] == items[11]

    # "Go to item 7".
    seventh = _get(client, admin_token, url, position=7, before=0, after=0)
    assert seventh["items"] == [{**seventh["items"][0], "id": items[6], "position": 7}]

    beyond = client.get(url, params={"position": 13}, headers=bearer(admin_token))
    assert beyond.status_code == 422
    assert beyond.json()["detail"] == "There is no item 13: this project has items 1 to 12."
    neither = client.get(url, headers=bearer(admin_token))
    assert neither.status_code == 422
    assert "either item_id or position" in neither.json()["detail"]
    both = client.get(url, params={"item_id": items[0], "position": 1},
                      headers=bearer(admin_token))  # fmt: skip
    assert both.status_code == 422
    other = client.get(url, params={"item_id": 999999}, headers=bearer(admin_token))
    assert other.status_code == 404
    too_wide = client.get(url, params={"position": 1, "after": 101}, headers=bearer(admin_token))
    assert too_wide.status_code == 422


def test_item_search_finds_file_names_with_their_positions(
    client: TestClient, admin_token: str
) -> None:
    names = ["cats/tabby_1.png", "dogs/pug.png", "cats/Tabby_2.png", "birds/50%_off.png",
             "birds/under_score.png"]  # fmt: skip
    project_id, _, items = make_project(client, admin_token, names)
    url = f"/api/projects/{project_id}/item-search"
    listed = _get(client, admin_token, f"/api/projects/{project_id}/items")["items"]
    position = {f"{i['folder']}/{i['name']}": n for n, i in enumerate(listed, start=1)}

    found = _get(client, admin_token, url, name="TABBY")["items"]
    expected = sorted(["cats/tabby_1.png", "cats/Tabby_2.png"], key=position.__getitem__)
    assert [(f"{i['folder']}/{i['name']}", i["position"]) for i in found] == [
        (path, position[path]) for path in expected
    ]
    assert [i["id"] for i in found] == [items[position[path] - 1] for path in expected]
    # The folder counts as part of the path.
    assert [i["name"] for i in _get(client, admin_token, url, name="dogs/")["items"]] == ["pug.png"]
    # LIKE wildcards in the text are taken literally.
    assert [i["name"] for i in _get(client, admin_token, url, name="%")["items"]] == ["50%_off.png"]
    assert [i["name"] for i in _get(client, admin_token, url, name="r_s")["items"]] == [
        "under_score.png"
    ]
    assert _get(client, admin_token, url, name="zebra")["items"] == []
    assert len(_get(client, admin_token, url, name=".png", limit=2)["items"]) == 2
    blank = client.get(url, params={"name": "  "}, headers=bearer(admin_token))
    assert blank.status_code == 422
    assert blank.json()["detail"] == "Type a part of a file name to look for."


def test_item_search_reads_the_list_in_steps_and_stops_at_the_limit(
    client: TestClient, admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"{'hit' if n % 3 == 0 else 'miss'}_{n}.png" for n in range(10)]
    project_id, _, _ = make_project(client, admin_token, names)
    listed = _get(client, admin_token, f"/api/projects/{project_id}/items")["items"]
    expected = [
        (n, i["name"]) for n, i in enumerate(listed, start=1) if i["name"].startswith("hit")
    ]
    monkeypatch.setattr(item_positions, "SEARCH_STEP", 2)  # 5 steps over 10 items
    url = f"/api/projects/{project_id}/item-search"
    found = _get(client, admin_token, url, name="HIT_")["items"]
    assert [(i["position"], i["name"]) for i in found] == expected
    assert len(expected) == 4
    first_two = _get(client, admin_token, url, name="hit_", limit=2)["items"]
    assert [(i["position"], i["name"]) for i in first_two] == expected[:2]


def test_annotators_navigate_but_outsiders_do_not(
    client: TestClient, admin_token: str, make_user: Any
) -> None:
    project_id, _, items = make_project(client, admin_token, ["a.png", "b.png"])
    annotator, annotator_token = make_user()
    outsider_token = make_user()[1]
    client.put(f"/api/projects/{project_id}/members/{annotator.id}", json={"role": "annotator"},
               headers=bearer(admin_token))  # fmt: skip
    for url, params in [
        (f"/api/projects/{project_id}/progress", {}),
        (f"/api/projects/{project_id}/item-window", {"item_id": items[0]}),
        (f"/api/projects/{project_id}/item-search", {"name": "a"}),
    ]:
        allowed = client.get(url, params=params, headers=bearer(annotator_token))
        assert allowed.status_code == 200, (url, allowed.text)
        denied = client.get(url, params=params, headers=bearer(outsider_token))
        assert denied.status_code == 403, url


def test_dataset_thumbnails_and_display_without_a_project(
    client: TestClient, admin_token: str, make_user: Any
) -> None:
    dataset = client.post("/api/datasets", json={"name": "loose"}, headers=bearer(admin_token))
    dataset_id = dataset.json()["id"]
    upload_images(client, admin_token, dataset_id, ["a.png"])
    listing = _get(client, admin_token, f"/api/datasets/{dataset_id}/browse")
    asset_id = listing["assets"]["items"][0]["id"]
    base = f"/api/datasets/{dataset_id}/assets/{asset_id}"

    thumb = client.get(f"{base}/thumbnail", headers=bearer(admin_token))
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(thumb.content)).size == (64, 48)
    cached = {**bearer(admin_token), "If-None-Match": thumb.headers["etag"]}
    again = client.get(f"{base}/thumbnail", headers=cached)
    assert again.status_code == 304

    shown = client.get(f"{base}/display", headers=bearer(admin_token))
    assert shown.status_code == 200
    assert shown.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(shown.content)).size == (64, 48)
    events = _get(client, admin_token, "/api/audit", action="asset.view")["items"]
    assert any(e["target_id"] == str(asset_id) and e["detail"].get("dataset_id") == dataset_id
               for e in events), events  # fmt: skip

    # The same thumbnail bytes as through a project over the dataset.
    project = client.post("/api/projects", json={"name": "over", "dataset_id": dataset_id},
                          headers=bearer(admin_token))  # fmt: skip
    through_project = client.get(
        f"/api/projects/{project.json()['id']}/assets/{asset_id}/thumbnail",
        headers=bearer(admin_token),
    )
    assert through_project.content == thumb.content

    other = client.post("/api/datasets", json={"name": "other"}, headers=bearer(admin_token))
    wrong = client.get(f"/api/datasets/{other.json()['id']}/assets/{asset_id}/thumbnail",
                       headers=bearer(admin_token))  # fmt: skip
    assert wrong.status_code == 404
    assert "has no asset" in wrong.json()["detail"]
    member_token = make_user()[1]
    assert client.get(f"{base}/thumbnail", headers=bearer(member_token)).status_code == 403


def test_instruction_versions_list_authors_and_pins_and_rename(
    client: TestClient, admin_token: str, make_user: Any
) -> None:
    project_id, _, _ = make_project(client, admin_token, ["a.png"])
    instruction_id = _get(client, admin_token, f"/api/projects/{project_id}")["instruction_id"]
    url = f"/api/instructions/{instruction_id}"
    second = {**DOCUMENT, "classes": [*DOCUMENT["classes"],
                                      {"key": "tree", "name": "Tree", "color": "#008800",
                                       "tool": "box"}]}  # fmt: skip
    added = client.post(f"{url}/versions", json={"document": second}, headers=bearer(admin_token))
    assert added.status_code == 201, added.text

    versions = _get(client, admin_token, f"{url}/versions")
    assert [v["version"] for v in versions] == [2, 1]
    assert [v["pinned_by"] for v in versions] == [0, 1]
    assert versions[0]["created_by_name"] == "admin@example.org"
    assert versions[0]["created_at"] >= versions[1]["created_at"]

    renamed = client.patch(url, json={"name": "  Street scenes "}, headers=bearer(admin_token))
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Street scenes"
    assert renamed.json()["latest_version"] == 2
    assert _get(client, admin_token, f"{url}/versions/1")["document"]["classes"][0]["key"] == "car"

    other = client.post("/api/instructions", json={"name": "Other", "document": DOCUMENT},
                        headers=bearer(admin_token))  # fmt: skip
    taken = client.patch(f"/api/instructions/{other.json()['instruction_id']}",
                         json={"name": "Street scenes"}, headers=bearer(admin_token))  # fmt: skip
    assert taken.status_code == 409
    assert taken.json()["field"] == "name"
    blank = client.patch(url, json={"name": "   "}, headers=bearer(admin_token))
    assert blank.status_code == 422
    assert client.get("/api/instructions/999999/versions",
                      headers=bearer(admin_token)).status_code == 404  # fmt: skip
    member_token = make_user()[1]
    assert client.get(f"{url}/versions", headers=bearer(member_token)).status_code == 200
    denied = client.patch(url, json={"name": "Mine"}, headers=bearer(member_token))
    assert denied.status_code == 403
