"""Annotations over the API: every geometry round-trips, saves are incremental, idempotent
and conflict-checked, every revision is kept, and bad objects get 422 naming the object."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from annotation_helpers import DOCUMENT, HEIGHT, WIDTH, box, make_project, patch
from pixelwise.db.models import (
    AnnotationChange,
    AnnotationObject,
    InstructionVersion,
    Project,
)
from pixelwise.services import item_annotations
from pixelwise.services.context import Context

from helpers import bearer

EVERY_SHAPE: list[dict[str, Any]] = [
    {"id": "car-1", "class": "car", "geometry": box(2.5, 3, 10, 8),
     "attributes": {"colour": "red", "parked": True, "tags": ["old", "taxi"]}},
    {"id": "ship-1", "class": "ship",
     "geometry": {"type": "rotated_box", "cx": 30, "cy": 20, "w": 12, "h": 6, "angle": 30}},
    {"id": "road-1", "class": "road", "geometry": {"type": "polygon", "parts": [
        {"outer": [[1, 1], [40, 1], [40, 40], [1, 40]],
         "holes": [[[10, 10], [20, 10], [20, 20], [10, 20]]]},
        {"outer": [[45, 5], [60, 5], [60, 20]], "holes": []},
    ]}},
    {"id": "lane-1", "class": "lane",
     "geometry": {"type": "polyline", "points": [[0, 47], [30, 20], [63, 0]]}},
    {"id": "cone-1", "class": "cone", "geometry": {"type": "points", "points": [
        {"x": 5, "y": 5}, {"x": 6, "y": 7, "visible": 1}]}},
    {"id": "person-1", "class": "person", "geometry": {"type": "points", "points": [
        {"x": 20, "y": 5, "key": "head"}, {"x": 0, "y": 0, "visible": 0, "key": "foot"}]},
     "source": "model", "model": "pose-net", "score": 0.75},
    {"id": "sky-1", "class": "sky",
     "geometry": {"type": "mask", "rle": {"size": [HEIGHT, WIDTH],
                                          "counts": [100, 50, HEIGHT * WIDTH - 150]}},
     "source": "assisted", "model": "click-to-mask", "z_order": -1},
    {"id": "grass-1", "class": "grass", "geometry": {"type": "polygon", "parts": [
        {"outer": [[0, 0], [10, 10], [10, 0], [0, 10]]}]}},
]  # fmt: skip


def _annotation(client: TestClient, token: str, project_id: int, item_id: int) -> Any:
    response = client.get(
        f"/api/projects/{project_id}/items/{item_id}/annotation", headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_every_geometry_round_trips(client: TestClient, admin_token: str) -> None:
    project_id, _, [item_id] = make_project(client, admin_token, ["a.png"])
    saved = patch(
        client, admin_token, project_id, item_id, 0, put=EVERY_SHAPE,
        answers={"weather": "rain"}, time_spent=12.5,
    )  # fmt: skip
    assert saved.status_code == 200, saved.text
    assert saved.json()["revision"] == 1
    assert saved.json()["put"] == [shape["id"] for shape in EVERY_SHAPE]
    got = _annotation(client, admin_token, project_id, item_id)
    assert got["revision"] == 1
    assert got["answers"] == {"weather": "rain"}
    by_id = {obj["id"]: obj for obj in got["objects"]}
    for shape in EVERY_SHAPE:
        obj = by_id[shape["id"]]
        assert obj["class"] == shape["class"]
        sent = shape["geometry"]
        for key, value in sent.items():
            if key in ("parts", "points") and sent["type"] != "polyline":
                continue
            assert obj["geometry"][key] == value, (shape["id"], key)
        assert obj["source"] == shape.get("source", "manual")
        assert obj["attributes"] == shape.get("attributes", {})
    road = by_id["road-1"]["geometry"]["parts"]
    assert road[0]["holes"] == [[[10, 10], [20, 10], [20, 20], [10, 20]]]
    assert len(road) == 2
    assert [p.get("key") for p in by_id["person-1"]["geometry"]["points"]] == ["head", "foot"]
    assert by_id["person-1"]["score"] == 0.75
    assert by_id["person-1"]["model"] == "pose-net"
    assert by_id["grass-1"]["flags"] == ["self_intersecting"]
    assert got["objects"][0]["id"] == "sky-1", "objects come in z-order"
    item = client.get(f"/api/projects/{project_id}/items/{item_id}", headers=bearer(admin_token))
    assert item.json()["object_count"] == len(EVERY_SHAPE)
    assert item.json()["time_spent"] == 12.5


def test_slices_of_a_dicom_series_carry_masks_and_polygons(
    client: TestClient, admin_token: str, ctx: Context
) -> None:
    from pixelwise.db.models import Asset, WorkItem

    project_id, dataset_id, [image_item] = make_project(client, admin_token, ["a.png"])
    with ctx.database.transaction() as session:
        series = Asset(
            dataset_id=dataset_id, folder="", name="ct", kind="dicom",
            media_type="application/dicom", blob_key="", size_bytes=1, checksum="1" * 64,
            width=8, height=4, frame_count=3,
        )  # fmt: skip
        session.add(series)
        session.flush()
        from pixelwise.services import work_items

        work_items.add_missing(session, dataset_id=dataset_id)
        item_id = session.scalar(select(WorkItem.id).where(WorkItem.asset_id == series.id))
    rle = {"size": [4, 8], "counts": [5, 3, 24]}
    shapes = [
        {"id": "m", "class": "sky", "geometry": {"type": "mask", "slice": 2, "rle": rle}},
        {"id": "v", "class": "sky", "geometry": {"type": "mask3d", "slices": [
            {"slice": 0, "rle": rle}, {"slice": 1, "rle": rle}]}},
        {"id": "p", "class": "road", "geometry": {"type": "polygon", "slice": 1,
                                                   "parts": [{"outer": [[0, 0], [4, 0], [4, 4]]}]}},
    ]  # fmt: skip
    saved = patch(client, admin_token, project_id, item_id, 0, put=shapes)
    assert saved.status_code == 200, saved.text
    got = {o["id"]: o for o in _annotation(client, admin_token, project_id, item_id)["objects"]}
    assert got["m"]["geometry"]["slice"] == 2
    assert [s["slice"] for s in got["v"]["geometry"]["slices"]] == [0, 1]
    missing_slice = patch(
        client, admin_token, project_id, item_id, 1,
        put=[{"id": "x", "class": "road",
              "geometry": {"type": "polygon", "parts": [{"outer": [[0, 0], [4, 0], [4, 4]]}]}}],
    )  # fmt: skip
    assert missing_slice.status_code == 422
    assert missing_slice.json()["field"] == "put[0].geometry.slice"
    assert image_item != item_id


def test_incremental_saves_write_only_what_changed(
    client: TestClient, admin_token: str, ctx: Context
) -> None:
    project_id, _, [item_id] = make_project(client, admin_token, ["a.png"])
    first = [{"id": f"b{i}", "class": "car", "geometry": box(i, i, 5, 5)} for i in range(5)]
    assert patch(client, admin_token, project_id, item_id, 0, put=first).status_code == 200
    moved = patch(
        client, admin_token, project_id, item_id, 1,
        put=[{"id": "b2", "class": "car", "geometry": box(20, 20, 5, 5)}], delete=["b4"],
    )  # fmt: skip
    assert moved.status_code == 200, moved.text
    with ctx.database.read() as session:
        revisions = dict(
            session.execute(
                select(AnnotationObject.uid, AnnotationObject.revision).where(
                    AnnotationObject.work_item_id == item_id
                )
            ).all()
        )
        changes = session.scalar(
            select(func.count()).where(
                AnnotationChange.work_item_id == item_id, AnnotationChange.revision == 2
            )
        )
    assert revisions == {"b0": 1, "b1": 1, "b2": 2, "b3": 1}, "untouched objects were rewritten"
    assert changes == 2
    got = _annotation(client, admin_token, project_id, item_id)
    assert {o["id"]: o["geometry"]["x"] for o in got["objects"]} == {
        "b0": 0, "b1": 1, "b2": 20, "b3": 3,
    }  # fmt: skip
    new = patch(client, admin_token, project_id, item_id, 2,
                put=[{"class": "car", "geometry": box(1, 1, 2, 2)}])  # fmt: skip
    assert len(new.json()["put"][0]) == 32, "the server gives an object without id a stable id"


def test_a_retried_save_is_applied_once(client: TestClient, admin_token: str) -> None:
    project_id, _, [item_id] = make_project(client, admin_token, ["a.png"])
    body = {"request_id": "retry-me", "base_revision": 0,
            "put": [{"id": "a", "class": "car", "geometry": box(1, 1, 3, 3)}]}  # fmt: skip
    url = f"/api/projects/{project_id}/items/{item_id}/annotation"
    one = client.patch(url, json=body, headers=bearer(admin_token))
    two = client.patch(url, json=body, headers=bearer(admin_token))
    assert one.status_code == two.status_code == 200
    assert (one.json()["revision"], one.json()["replayed"]) == (1, False)
    assert (two.json()["revision"], two.json()["replayed"]) == (1, True)
    assert two.json()["put"] == ["a"]
    revisions = client.get(f"{url}/revisions", headers=bearer(admin_token)).json()
    assert [r["revision"] for r in revisions] == [1]


def test_two_clients_editing_the_same_revision_conflict_and_lose_nothing(
    client: TestClient, admin_token: str, make_user: Any
) -> None:
    project_id, _, [item_id] = make_project(client, admin_token, ["a.png"])
    other, other_token = make_user("member")
    other_id = other.id
    client.put(f"/api/projects/{project_id}/members/{other_id}", json={"role": "annotator"},
               headers=bearer(admin_token))  # fmt: skip
    mine = patch(client, admin_token, project_id, item_id, 0,
                 put=[{"id": "mine", "class": "car", "geometry": box(1, 1, 3, 3)}])  # fmt: skip
    assert mine.status_code == 200
    theirs = patch(client, other_token, project_id, item_id, 0,
                   put=[{"id": "theirs", "class": "car", "geometry": box(5, 5, 3, 3)}])  # fmt: skip
    assert theirs.status_code == 409, theirs.text
    problem = theirs.json()
    assert problem["current_revision"] == 1
    assert "revision 1" in problem["detail"]
    assert [o["id"] for o in _annotation(client, admin_token, project_id, item_id)["objects"]] == [
        "mine"
    ]
    theirs_again = [{"id": "theirs", "class": "car", "geometry": box(5, 5, 3, 3)}]
    retried = patch(
        client, other_token, project_id, item_id, problem["current_revision"], put=theirs_again
    )
    assert retried.status_code == 200
    ids = {o["id"] for o in _annotation(client, admin_token, project_id, item_id)["objects"]}
    assert ids == {"mine", "theirs"}
    revisions = client.get(
        f"/api/projects/{project_id}/items/{item_id}/annotation/revisions",
        headers=bearer(admin_token),
    ).json()
    assert [r["user_id"] for r in revisions] == [revisions[0]["user_id"], other_id]


def test_concurrent_saves_from_one_base_let_exactly_one_win(
    client: TestClient, admin_token: str
) -> None:
    project_id, _, [item_id] = make_project(client, admin_token, ["a.png"])
    start = threading.Barrier(6)
    codes: list[int] = []

    def save(n: int) -> None:
        start.wait()
        shape = {"id": f"o{n}", "class": "car", "geometry": box(n, n, 2, 2)}
        response = patch(client, admin_token, project_id, item_id, 0, put=[shape])
        codes.append(response.status_code)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200, 409, 409, 409, 409, 409]
    got = _annotation(client, admin_token, project_id, item_id)
    assert got["revision"] == 1
    assert len(got["objects"]) == 1


def test_every_revision_can_be_read_back(client: TestClient, admin_token: str) -> None:
    project_id, _, [item_id] = make_project(client, admin_token, ["a.png"])
    patch(client, admin_token, project_id, item_id, 0,
          put=[{"id": "a", "class": "car", "geometry": box(1, 1, 3, 3)}],
          answers={"weather": "sunny"})  # fmt: skip
    patch(client, admin_token, project_id, item_id, 1,
          put=[{"id": "a", "class": "car", "geometry": box(9, 9, 3, 3)}])  # fmt: skip
    patch(client, admin_token, project_id, item_id, 2, delete=["a"], answers={"weather": "rain"})
    url = f"/api/projects/{project_id}/items/{item_id}/annotation/revisions"
    states = [client.get(f"{url}/{n}", headers=bearer(admin_token)).json() for n in range(4)]
    assert [len(s["objects"]) for s in states] == [0, 1, 1, 0]
    assert states[1]["objects"][0]["geometry"]["x"] == 1
    assert states[2]["objects"][0]["geometry"]["x"] == 9
    assert [s["answers"] for s in states] == [{}, {"weather": "sunny"}, {"weather": "sunny"},
                                              {"weather": "rain"}]  # fmt: skip
    assert client.get(f"{url}/4", headers=bearer(admin_token)).status_code == 404


def test_bad_objects_get_422_naming_the_object_and_field(
    client: TestClient, admin_token: str
) -> None:
    project_id, _, [item_id] = make_project(client, admin_token, ["a.png"])
    cases = [
        ({"id": "x1", "class": "bus", "geometry": box(1, 1, 2, 2)}, "put[0].class", "no class"),
        ({"id": "x2", "class": "car", "geometry": {"type": "polyline", "points": [[0, 0], [1, 1]]}},
         "put[0].geometry.type", "box tool"),
        ({"id": "x3", "class": "car", "geometry": box(1, 1, 200, 2)}, None, None),
        ({"id": "x4", "class": "lane",
          "geometry": {"type": "polyline", "points": [[0, 0], [90, 1]]}},
         "put[0].geometry.points[1]", "outside"),
        ({"id": "x5", "class": "road", "geometry": {"type": "polygon", "parts": [
            {"outer": [[0, 0], [10, 0], [10, 10]], "holes": [[[30, 30], [31, 30], [31, 31]]]}]}},
         "put[0].geometry.parts[0].holes[0]", "inside"),
        ({"id": "x6", "class": "car", "geometry": box(1, 1, 2, 2),
          "attributes": {"colour": "green"}}, "put[0].attributes.colour", "one of"),
        ({"id": "x7", "class": "car", "geometry": box(1, 1, 2, 2),
          "attributes": {"speed": 3}}, "put[0].attributes.speed", "unknown attribute"),
        ({"id": "x8", "class": "person", "geometry": {"type": "points", "points": [
            {"x": 1, "y": 1, "key": "tail"}]}}, "put[0].geometry.points[0].key", "keypoints"),
        ({"id": "x9", "class": "car", "geometry": box(1, 1, 2, 2), "score": 0.5},
         "put[0].source", "manual"),
    ]  # fmt: skip
    base = 0
    for shape, field, words in cases:
        response = patch(client, admin_token, project_id, item_id, base, put=[shape])
        if field is None:
            assert response.status_code == 200, "a box is clipped to the image"
            base = response.json()["revision"]
            continue
        assert response.status_code == 422, (shape, response.text)
        problem = response.json()
        assert problem["field"].startswith(field), (problem, field)
        assert problem["object_id"] == shape["id"]
        assert words in problem["detail"], problem["detail"]
    answers = patch(client, admin_token, project_id, item_id, 1, answers={"weather": "snow"})
    assert answers.status_code == 422
    assert answers.json()["field"] == "answers.weather"
    twice = patch(client, admin_token, project_id, item_id, 1,
                  put=[{"id": "d", "class": "car", "geometry": box(1, 1, 2, 2)}] * 2)  # fmt: skip
    assert twice.status_code == 422
    assert "twice" in twice.json()["detail"]
    gone = patch(client, admin_token, project_id, item_id, 1, delete=["nope"])
    assert gone.status_code == 422
    assert gone.json()["object_id"] == "nope"
    nul = patch(client, admin_token, project_id, item_id, 1,
                put=[{"id": "n", "class": "car", "geometry": box(1, 1, 2, 2),
                      "attributes": {"colour": "re\u0000d"}}])  # fmt: skip
    assert nul.status_code == 422


def test_replacing_the_whole_annotation_writes_only_differences(
    client: TestClient, admin_token: str, ctx: Context
) -> None:
    project_id, _, [item_id] = make_project(client, admin_token, ["a.png"])
    url = f"/api/projects/{project_id}/items/{item_id}/annotation"
    objects = [{"id": f"b{i}", "class": "car", "geometry": box(i, i, 5, 5)} for i in range(3)]
    body = {"request_id": uuid.uuid4().hex, "base_revision": 0, "objects": objects,
            "answers": {"weather": "sunny"}}  # fmt: skip
    assert client.put(url, json=body, headers=bearer(admin_token)).status_code == 200
    objects = [objects[0], {**objects[1], "geometry": box(30, 30, 5, 5)}]
    body = {"request_id": uuid.uuid4().hex, "base_revision": 1, "objects": objects,
            "answers": {"weather": "sunny"}}  # fmt: skip
    second = client.put(url, json=body, headers=bearer(admin_token))
    assert second.status_code == 200, second.text
    assert second.json()["put"] == ["b1"]
    assert second.json()["deleted"] == ["b2"]


def test_submit_requires_required_attributes_and_answers(
    client: TestClient, admin_token: str
) -> None:
    project_id, _, [item_id] = make_project(client, admin_token, ["a.png"])
    draft = patch(client, admin_token, project_id, item_id, 0,
                  put=[{"id": "c", "class": "car", "geometry": box(1, 1, 3, 3)}])  # fmt: skip
    assert draft.status_code == 200, "a draft may leave required values empty"
    url = f"/api/projects/{project_id}/items/{item_id}/submit"
    first = client.post(url, json={"base_revision": 1}, headers=bearer(admin_token))
    assert first.status_code == 422
    assert first.json()["field"] == "answers.weather"
    patch(client, admin_token, project_id, item_id, 1, answers={"weather": "sunny"})
    second = client.post(url, json={"base_revision": 2}, headers=bearer(admin_token))
    assert second.status_code == 422
    assert second.json()["object_id"] == "c"
    assert "Parked is required" in second.json()["detail"]
    patch(client, admin_token, project_id, item_id, 2,
          put=[{"id": "c", "class": "car", "geometry": box(1, 1, 3, 3),
                "attributes": {"parked": False}}])  # fmt: skip
    done = client.post(url, json={"base_revision": 3}, headers=bearer(admin_token))
    assert done.status_code == 200
    assert done.json()["state"] == "submitted"


def test_annotators_save_but_members_outside_the_project_cannot(
    client: TestClient, admin_token: str, make_user: Any
) -> None:
    project_id, _, [item_id] = make_project(client, admin_token, ["a.png"])
    _, outsider = make_user("member")
    response = patch(client, outsider, project_id, item_id, 0, put=[])
    assert response.status_code == 403
    missing = patch(client, admin_token, project_id, 10**9, 0, put=[])
    assert missing.status_code == 404


def test_the_same_request_sent_at_once_is_saved_once(client: TestClient, admin_token: str) -> None:
    project_id, _, [item_id] = make_project(client, admin_token, ["a.png"])
    body = {"request_id": "twin", "base_revision": 0,
            "put": [{"id": "a", "class": "car", "geometry": box(1, 1, 3, 3)}]}  # fmt: skip
    url = f"/api/projects/{project_id}/items/{item_id}/annotation"
    start = threading.Barrier(4)
    answers: list[tuple[int, int]] = []

    def send() -> None:
        start.wait()
        response = client.patch(url, json=body, headers=bearer(admin_token))
        answers.append((response.status_code, response.json().get("revision", -1)))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [(200, 1)] * 4
    revisions = client.get(f"{url}/revisions", headers=bearer(admin_token)).json()
    assert len(revisions) == 1


def test_objects_keep_their_bounding_box_and_area(
    client: TestClient, admin_token: str, ctx: Context
) -> None:
    project_id, _, [item_id] = make_project(client, admin_token, ["a.png"])
    PIXELS = HEIGHT * WIDTH
    square = [[0, 0], [20, 0], [20, 20], [0, 20]]
    hole = [[5, 5], [10, 5], [10, 10], [5, 10]]
    holed = {"type": "polygon", "parts": [{"outer": square, "holes": [hole]}]}
    saved = patch(client, admin_token, project_id, item_id, 0, put=[
        {"id": "b", "class": "car", "geometry": box(2, 3, 10, 4)},
        {"id": "p", "class": "road", "geometry": holed},
        {"id": "m", "class": "sky", "geometry": {"type": "mask", "rle": {
            "size": [HEIGHT, WIDTH], "counts": [HEIGHT * 2 + 1, 3, PIXELS - HEIGHT * 2 - 4]}}},
    ])  # fmt: skip
    assert saved.status_code == 200, saved.text
    with ctx.database.read() as session:
        rows = session.execute(
            select(
                AnnotationObject.uid,
                AnnotationObject.bbox_x,
                AnnotationObject.bbox_y,
                AnnotationObject.bbox_w,
                AnnotationObject.bbox_h,
                AnnotationObject.area,
            ).where(AnnotationObject.work_item_id == item_id)
        ).all()
    measures = {row[0]: tuple(row[1:]) for row in rows}
    assert measures["b"] == (2, 3, 10, 4, 40)
    assert measures["p"] == (0, 0, 20, 20, 375)
    assert measures["m"] == (2, 1, 1, 3, 3), "column 2, rows 1 to 3"


def test_a_save_checked_against_a_version_the_project_left_is_refused(
    client: TestClient, admin_token: str, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write does not read the item again; its UPDATE also requires the project to pin
    the version the objects were checked against. Here the project moves to another
    version after the check and before the write: 409, and nothing is saved."""
    project_id, _, [item_id] = make_project(client, admin_token, ["a.png"])
    other = client.post(
        "/api/instructions",
        json={"name": f"other-{uuid.uuid4().hex[:8]}", "document": DOCUMENT},
        headers=bearer(admin_token),
    )
    assert other.status_code == 201, other.text
    with ctx.database.read() as session:
        version = session.scalar(
            select(InstructionVersion.id).where(
                InstructionVersion.instruction_id == other.json()["instruction_id"]
            )
        )
    check_all = item_annotations._check_all

    def check_then_move(*args: Any) -> Any:
        checked = check_all(*args)
        with ctx.database.transaction() as session:
            session.execute(
                update(Project)
                .where(Project.id == project_id)
                .values(instruction_version_id=version)
            )
        return checked

    monkeypatch.setattr(item_annotations, "_check_all", check_then_move)
    put = [{"id": "a", "class": "car", "geometry": box(1, 1, 3, 3)}]
    answer = patch(client, admin_token, project_id, item_id, 0, put=put)
    assert answer.status_code == 409, answer.text
    assert "another instruction version" in answer.json()["detail"]
    monkeypatch.undo()
    saved = _annotation(client, admin_token, project_id, item_id)
    assert (saved["revision"], saved["objects"]) == (0, [])
