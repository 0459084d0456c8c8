"""Project exports (JSON, COCO, PNG masks): every shape survives each format, filters choose
the items, an interrupted export resumes after its last complete part, and the API lists and
serves complete parts while the job runs."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from pixelwise.db.models import AnnotationObject, Asset, Dataset, Project, WorkItem
from pixelwise.domain.annotations import AnnotationPatch, AnnotationReplace, ObjectIn
from pixelwise.domain.geometry import parse_geometry, rle_decode, rle_encode
from pixelwise.formats.coco import geometry_from_annotation, same_rle
from pixelwise.services import exports, instructions, item_annotations, job_runs, projects
from pixelwise.services.context import Actor, Context
from pixelwise.settings import load_settings

from cli_helpers import env_for, pixelwise
from helpers import bearer
from jobs_helpers import SYSTEM, wait_state

W, H = 40, 30


INSTRUCTION: dict[str, Any] = {
    "classes": [
        {"key": "car", "name": "Car", "color": "#ff0000", "tool": "box"},
        {"key": "sign", "name": "Sign", "color": "#00ff00", "tool": "rotated_box"},
        {"key": "road", "name": "Road", "color": "#0000ff", "tool": "polygon"},
        {"key": "lane", "name": "Lane", "color": "#ffff00", "tool": "polyline"},
        {"key": "spot", "name": "Spot", "color": "#00ffff", "tool": "points"},
        {
            "key": "person",
            "name": "Person",
            "color": "#ff00ff",
            "tool": "skeleton",
            "skeleton": "body",
        },
        {"key": "blob", "name": "Blob", "color": "#804020", "tool": "mask"},
    ],
    "skeletons": [
        {
            "key": "body",
            "name": "Body",
            "keypoints": [
                {"key": "head", "name": "Head"},
                {"key": "hand", "name": "Hand"},
                {"key": "foot", "name": "Foot"},
            ],
            "edges": [["head", "hand"], ["head", "foot"]],
        },
    ],
    "questions": [
        {
            "key": "weather",
            "text": "Weather?",
            "type": "single_choice",
            "choices": [{"key": "sunny", "name": "Sunny"}, {"key": "rain", "name": "Rain"}],
        },
    ],
}


def _blob_mask() -> dict[str, Any]:
    pixels = np.zeros((H, W), dtype=bool)
    pixels[20:27, 3:12] = True
    pixels[22:24, 5:7] = False
    return {"type": "mask", "rle": rle_encode(pixels).model_dump(mode="json")}


def image_objects() -> list[tuple[str, dict[str, Any], int]]:
    """(class, geometry, z_order) of one object of every planar shape on a 40 x 30 image."""
    return [
        ("car", {"type": "box", "x": 2.0, "y": 3.0, "w": 10.0, "h": 8.0}, 0),
        (
            "sign",
            {"type": "rotated_box", "cx": 20.0, "cy": 15.0, "w": 10.0, "h": 6.0, "angle": 30.0},
            3,
        ),
        (
            "road",
            {
                "type": "polygon",
                "parts": [{"outer": [[1.0, 1.0], [15.0, 2.0], [10.0, 14.0]], "holes": []}],
            },
            1,
        ),
        (
            "road",
            {
                "type": "polygon",
                "parts": [
                    {
                        "outer": [[20.0, 2.0], [38.0, 2.0], [38.0, 20.0], [20.0, 20.0]],
                        "holes": [[[25.0, 6.0], [32.0, 6.0], [32.0, 14.0], [25.0, 14.0]]],
                    }
                ],
            },
            2,
        ),
        ("lane", {"type": "polyline", "points": [[1.0, 25.0], [20.0, 28.0], [39.0, 22.0]]}, 0),
        (
            "spot",
            {
                "type": "points",
                "points": [{"x": 5.0, "y": 5.0, "visible": 2}, {"x": 6.0, "y": 7.0, "visible": 1}],
            },
            0,
        ),
        (
            "person",
            {
                "type": "points",
                "points": [
                    {"x": 30.0, "y": 22.0, "visible": 2, "key": "head"},
                    {"x": 28.0, "y": 25.0, "visible": 1, "key": "hand"},
                    {"x": 31.0, "y": 29.0, "visible": 0, "key": "foot"},
                ],
            },
            0,
        ),
        ("blob", _blob_mask(), 4),
    ]


def _slice_mask(rows: slice, cols: slice) -> dict[str, Any]:
    pixels = np.zeros((16, 16), dtype=bool)
    pixels[rows, cols] = True
    return rle_encode(pixels).model_dump(mode="json")


@dataclass
class World:
    project_id: int
    item_ids: list[int]  # every item, in id order
    images: list[int]  # the image items (the first is submitted and answered)
    dicom: int
    video: int
    objects: dict[str, dict[str, Any]]  # uid -> {"class", "geometry", "item"}


def build_world(
    ctx: Context, images: int = 3, name: str = "Street", *, saved: bool = False
) -> World:
    """A project whose instruction has a class per tool, `images` image items with an
    object of every planar shape (the first answered and submitted), a DICOM series with a
    box on a slice and a 3D mask, and a video with a box on a frame. With `saved`, the
    image items' objects are written by a save (keeping their export texts) instead of
    inserted as rows."""
    actor = Actor.system("test")
    version = instructions.create_instruction(
        ctx, actor, name=f"{name} rules", document=INSTRUCTION
    )
    objects: dict[str, dict[str, Any]] = {}
    item_ids: list[int] = []
    saves: list[tuple[int, int, list[tuple[str, dict[str, Any], int]]]] = []
    with ctx.database.transaction() as session:
        dataset = Dataset(name=f"{name} data")
        session.add(dataset)
        session.flush()
        assets = []
        for index in range(images):
            assets.append(
                Asset(
                    dataset_id=dataset.id,
                    folder="street",
                    name=f"img{index}.jpg",
                    kind="image",
                    width=W,
                    height=H,
                )
            )
        assets.append(
            Asset(
                dataset_id=dataset.id,
                folder="ct",
                name="chest",
                kind="dicom",
                width=16,
                height=16,
                frame_count=3,
            )
        )
        assets.append(
            Asset(
                dataset_id=dataset.id,
                folder="",
                name="clip.mp4",
                kind="video",
                width=20,
                height=10,
                frame_count=5,
            )
        )
        for asset in assets:
            asset.media_type, asset.blob_key, asset.size_bytes, asset.checksum = "x/y", "k", 1, "0"
            session.add(asset)
        session.flush()
    project = projects.create_project(ctx, actor, name=name, dataset_id=dataset.id)
    with ctx.database.transaction() as session:
        row = session.get(Project, project.id)
        assert row is not None
        from pixelwise.db.models import InstructionVersion

        row.instruction_version_id = (
            session.query(InstructionVersion.id)
            .filter_by(instruction_id=version.instruction_id)
            .scalar()
        )
        for number, asset in enumerate(assets):
            planned: list[tuple[str, dict[str, Any], int]]
            if asset.kind == "image":
                planned = image_objects()
            elif asset.kind == "dicom":
                planned = [
                    ("car", {"type": "box", "x": 1.0, "y": 1.0, "w": 4.0, "h": 4.0, "slice": 1}, 0),
                    (
                        "blob",
                        {
                            "type": "mask3d",
                            "slices": [
                                {"slice": 0, "rle": _slice_mask(slice(2, 6), slice(3, 9))},
                                {"slice": 2, "rle": _slice_mask(slice(8, 12), slice(1, 4))},
                            ],
                        },
                        0,
                    ),
                ]
            else:
                planned = [
                    ("car", {"type": "box", "x": 2.0, "y": 2.0, "w": 5.0, "h": 3.0, "frame": 3}, 0)
                ]
            # Project creation may already have made the items (one per asset): reuse them.
            item = session.query(WorkItem).filter_by(
                project_id=project.id, asset_id=asset.id, round=0
            ).one_or_none() or WorkItem(project_id=project.id, asset_id=asset.id, round=0)
            item.state = "submitted" if number == 0 else "queued"
            to_save = saved and asset.kind == "image"
            item.revision, item.object_count = 1, 0 if to_save else len(planned)
            item.answers = {"weather": "sunny"} if number == 0 else {}
            session.add(item)
            session.flush()
            item_ids.append(item.id)
            if to_save:
                saves.append((item.id, number, planned))
                for index, (class_key, geometry, _) in enumerate(planned):
                    objects[f"i{number}-o{index}"] = {
                        "class": class_key,
                        "geometry": geometry,
                        "item": item.id,
                    }
                continue
            for index, (class_key, geometry, z_order) in enumerate(planned):
                uid = f"i{number}-o{index}"
                session.add(
                    AnnotationObject(
                        work_item_id=item.id,
                        uid=uid,
                        class_key=class_key,
                        geometry_type=geometry["type"],
                        geometry=geometry,
                        attributes={"n": index},
                        source="manual",
                        z_order=z_order,
                        frame=geometry.get("frame"),
                        slice=geometry.get("slice"),
                        revision=1,
                    )
                )
                objects[uid] = {"class": class_key, "geometry": geometry, "item": item.id}
    for item_id, number, planned in saves:
        body = AnnotationReplace(
            request_id=f"build-{item_id}",
            base_revision=1,
            objects=[
                ObjectIn.model_validate(
                    {"id": f"i{number}-o{index}", "class": key, "geometry": geometry, "z_order": z}
                )
                for index, (key, geometry, z) in enumerate(planned)
            ],
            answers={"weather": "sunny"} if number == 0 else {},
        )
        item_annotations.save_replace(ctx, actor, project.id, item_id, body)
    images_ids, dicom, video = item_ids[:images], item_ids[images], item_ids[images + 1]
    return World(project.id, sorted(item_ids), images_ids, dicom, video, objects)


def run_export(
    ctx: Context, project_id: int, format_name: str, item_filter: Any = None, **kwargs: Any
) -> tuple[int, bytes]:
    """Start and run an export in this thread; (job id, the assembled bytes)."""
    job = exports.start_export(ctx, SYSTEM, project_id, format_name, item_filter, **kwargs)
    assert job_runs.execute(ctx, job.id) is job_runs.Outcome.DONE
    download = exports.download_export(ctx, SYSTEM, project_id, job.id)
    return job.id, b"".join(download.chunks)


def normal(geometry: dict[str, Any]) -> dict[str, Any]:
    return parse_geometry(geometry).model_dump(mode="json")


@pytest.mark.parametrize("saved", [False, True], ids=["rows", "saved"])
def test_json_export_holds_every_item_and_shape(ctx: Context, saved: bool) -> None:
    world = build_world(ctx, name=f"Street {saved}", saved=saved)
    _, data = run_export(ctx, world.project_id, "json")
    document = json.loads(data)
    assert (document["format"], document["version"]) == ("pixelwise", 1)
    assert next(c["key"] for c in document["instruction"]["classes"]) == "car"
    assert [item["id"] for item in document["items"]] == world.item_ids
    first = next(i for i in document["items"] if i["id"] == world.images[0])
    assert first["answers"] == {"weather": "sunny"}
    assert first["asset"] == {
        "id": first["asset"]["id"],
        "folder": "street",
        "name": "img0.jpg",
        "kind": "image",
        "width": W,
        "height": H,
        "frame_count": None,
    }
    seen = {}
    for item in document["items"]:
        for obj in item["objects"]:
            seen[obj["uid"]] = obj
            assert obj["geometry"] == world.objects[obj["uid"]]["geometry"]
            assert obj["class"] == world.objects[obj["uid"]]["class"]
            assert item["id"] == world.objects[obj["uid"]]["item"]
    assert set(seen) == set(world.objects)
    assert {o["type"] for o in seen.values()} == {
        "box",
        "rotated_box",
        "polygon",
        "polyline",
        "points",
        "mask",
        "mask3d",
    }


def _coco_file(tmp_path: Path, data: bytes) -> COCO:
    path = tmp_path / "coco.json"
    path.write_bytes(data)
    return COCO(str(path))


def _reference_mask(geometry: dict[str, Any], height: int, width: int) -> np.ndarray[Any, Any]:
    """The saved shape rasterised by pycocotools (polygons) or decoded (masks)."""
    shape = parse_geometry(geometry)
    if geometry["type"] == "mask":
        return rle_decode(shape.rle)  # type: ignore[union-attr]
    if geometry["type"] == "box":
        x, y, w, h = geometry["x"], geometry["y"], geometry["w"], geometry["h"]
        rings = [[[x, y, x + w, y, x + w, y + h, x, y + h]]]
    elif geometry["type"] == "rotated_box":
        from pixelwise.domain.geometry import rotated_box_corners

        rings = [[[v for p in rotated_box_corners(shape) for v in p]]]  # type: ignore[arg-type]
    else:
        rings = [
            [[v for p in ring for v in p] for ring in [part["outer"], *part["holes"]]]
            for part in geometry["parts"]
        ]
    result = np.zeros((height, width), dtype=bool)
    for part in rings:
        outer = mask_utils.decode(mask_utils.frPyObjects([part[0]], height, width))[:, :, 0] > 0
        for hole in part[1:]:
            outer &= ~(
                mask_utils.decode(mask_utils.frPyObjects([hole], height, width))[:, :, 0] > 0
            )
        result |= outer
    return result


def _agree(ours: np.ndarray[Any, Any], reference: np.ndarray[Any, Any], exact: bool) -> None:
    """Pixel-equal for masks; polygons may differ only on pixels along their edges."""
    differ = int((ours != reference).sum())
    if exact:
        assert differ == 0
    else:
        edge = reference ^ np.pad(reference, 1, mode="edge")[2:, 1:-1]
        edge |= reference ^ np.pad(reference, 1, mode="edge")[1:-1, 2:]
        near = np.zeros_like(edge)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                near |= np.roll(np.roll(edge, dy, 0), dx, 1)
        assert not ((ours != reference) & ~near).any()
        assert differ <= max(3, 0.25 * reference.sum())


@pytest.mark.parametrize("saved", [False, True], ids=["rows", "saved"])
def test_coco_export_matches_the_saved_shapes_pixel_for_pixel(
    ctx: Context, tmp_path: Path, saved: bool
) -> None:
    world = build_world(ctx, name=f"Street {saved}", saved=saved)
    _, data = run_export(ctx, world.project_id, "coco")
    coco = _coco_file(tmp_path, data)
    document = json.loads(data)
    names = {c["id"]: c["name"] for c in document["categories"]}
    assert list(names.values()) == ["Car", "Sign", "Road", "Lane", "Spot", "Person", "Blob"]
    person = next(c for c in document["categories"] if c["name"] == "Person")
    assert person["keypoints"] == ["head", "hand", "foot"]
    assert person["skeleton"] == [[1, 2], [1, 3]]
    assert document["pixelwise"]["questions"][0]["key"] == "weather"
    first = coco.imgs[world.images[0]]
    assert first["file_name"] == "street/img0.jpg"
    assert first["pixelwise"]["answers"] == {"weather": "sunny"}
    rebuilt: dict[str, dict[str, Any]] = {}
    for annotation in coco.anns.values():
        ext = annotation["pixelwise"]
        saved = world.objects[ext["uid"]]
        image = coco.imgs[annotation["image_id"]]
        assert image["pixelwise"]["item_id"] == saved["item"]
        assert names[annotation["category_id"]].lower() == saved["class"]
        geometry = geometry_from_annotation(annotation, coco.cats[annotation["category_id"]])
        if geometry["type"] == "mask3d" and ext["uid"] in rebuilt:
            rebuilt[ext["uid"]]["slices"] += geometry["slices"]
        else:
            rebuilt[ext["uid"]] = geometry
        kind = saved["geometry"]["type"]
        if kind in ("box", "rotated_box", "polygon", "mask"):
            ours = coco.annToMask(annotation) > 0
            reference = _reference_mask(saved["geometry"], image["height"], image["width"])
            _agree(ours, reference, exact=kind == "mask")
        if kind == "points":
            assert annotation["num_keypoints"] == sum(
                1 for p in saved["geometry"]["points"] if p["visible"]
            )
    assert set(rebuilt) == set(world.objects)
    for uid, geometry in rebuilt.items():
        saved = world.objects[uid]["geometry"]
        if saved["type"] == "mask":
            assert same_rle(geometry["rle"], saved["rle"])
        elif saved["type"] == "mask3d":
            assert [s["slice"] for s in geometry["slices"]] == [0, 2]
            for got, want in zip(geometry["slices"], saved["slices"], strict=True):
                assert same_rle(got["rle"], want["rle"])
        else:
            assert normal(geometry) == normal(saved), uid
    # The DICOM slice shapes sit on images of their own, one per annotated slice.
    dicom_id = world.dicom
    slices = sorted(
        i["pixelwise"].get("slice", -1)
        for i in coco.imgs.values()
        if i["pixelwise"]["item_id"] == dicom_id
    )
    assert slices == [-1, 0, 1, 2]


def _png(archive: zipfile.ZipFile, name: str) -> np.ndarray[Any, Any]:
    return np.asarray(Image.open(io.BytesIO(archive.read(name))))


def test_masks_export_draws_classes_and_instances_in_z_order(ctx: Context) -> None:
    world = build_world(ctx, images=1)
    _, data = run_export(ctx, world.project_id, "masks")
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
    colormap = json.loads(archive.read("colormap.json"))
    assert [row["key"] for row in colormap] == [
        "_background",
        "car",
        "sign",
        "road",
        "lane",
        "spot",
        "person",
        "blob",
    ]
    item = world.images[0]
    classes = _png(archive, f"classes/{item}_img0.png")
    instances = _png(archive, f"instances/{item}_img0.png")
    listing = json.loads(archive.read(f"instances/{item}_img0.json"))
    assert classes.dtype == np.uint8
    assert instances.dtype == np.uint16
    assert classes.shape == (H, W)
    index = {row["key"]: row["index"] for row in colormap}
    # Paint the references in z order (ties: object order) and compare.
    expected_classes = np.zeros((H, W), dtype=np.uint8)
    expected_instances = np.zeros((H, W), dtype=np.uint16)
    drawn = list(listing["instances"])
    assert {row["uid"] for row in listing["not_drawn"]} == {"i0-o4", "i0-o5", "i0-o6"}
    for row in sorted(drawn, key=lambda r: (r["z_order"], r["object_id"])):
        pixels = _reference_mask(world.objects[row["uid"]]["geometry"], H, W)
        expected_classes[pixels] = index[row["class"]]
        expected_instances[pixels] = row["instance"]
    assert (classes != expected_classes).mean() < 0.03
    assert (instances != expected_instances).mean() < 0.03
    # Deep inside shapes the values are exact: the hole of the polygon is background,
    # the mask (z 4) covers the others.
    assert classes[10, 28] == 0
    assert classes[4, 22] == index["road"]
    assert classes[21, 4] == index["blob"]
    dicom, video = world.dicom, world.video
    names = set(archive.namelist())
    assert {f"classes/{dicom}_chest_s{n:04d}.png" for n in range(3)} <= names
    assert f"classes/{video}_clip_f000003.png" in names
    slice_two = _png(archive, f"classes/{dicom}_chest_s0002.png")
    assert slice_two[8:12, 1:4].tolist() == [[index["blob"]] * 3] * 4
    assert int(slice_two.sum()) == index["blob"] * 12


def test_a_filter_chooses_the_items(ctx: Context) -> None:
    world = build_world(ctx)
    _, data = run_export(ctx, world.project_id, "json", {"state": "submitted"})
    assert [item["id"] for item in json.loads(data)["items"]] == world.images[:1]
    _, data = run_export(ctx, world.project_id, "coco", {"class": "sign"})
    images = {i["pixelwise"]["item_id"] for i in json.loads(data)["images"]}
    assert images == set(world.images)


def test_bad_formats_and_filters_are_refused(ctx: Context) -> None:
    world = build_world(ctx, images=1)
    from pixelwise.domain.errors import InvalidInput, NotFound

    with pytest.raises(InvalidInput, match="format must be one of"):
        exports.start_export(ctx, SYSTEM, world.project_id, "yolo")
    with pytest.raises(InvalidInput, match="filter"):
        exports.start_export(ctx, SYSTEM, world.project_id, "json", {"colour": "red"})
    with pytest.raises(InvalidInput, match="json format only"):
        exports.start_export(ctx, SYSTEM, world.project_id, "coco", None, True)
    with pytest.raises(NotFound):
        exports.start_export(ctx, SYSTEM, world.project_id + 99, "json")


class CountingBlobs:
    """A blob store that counts the puts of each key."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.puts: dict[str, int] = {}

    def put(self, key: str, data: Any) -> int:
        self.puts[key] = self.puts.get(key, 0) + 1
        return int(self.inner.put(key, data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.mark.parametrize("format_name", ["json", "coco", "masks"])
def test_an_interrupted_export_resumes_after_its_last_complete_part(
    ctx: Context, monkeypatch: pytest.MonkeyPatch, format_name: str
) -> None:
    world = build_world(ctx, images=5)  # 7 items: parts of 2 items -> 4 parts
    monkeypatch.setattr(exports, "PART_ITEMS", 2)
    _, reference = run_export(ctx, world.project_id, format_name)
    counting = CountingBlobs(ctx.blobs)
    ctx.blobs = counting  # type: ignore[assignment]
    job = exports.start_export(ctx, SYSTEM, world.project_id, format_name)
    folder = f"exports/{job.id}/"
    suffix = "zip" if format_name == "masks" else "json"

    def after_two_parts() -> bool:
        return counting.puts.get(f"{folder}part-00001.{suffix}", 0) > 0

    first = job_runs.execute(ctx, job.id, should_stop=after_two_parts)
    assert first is job_runs.Outcome.INTERRUPTED
    listing = exports.list_export_files(ctx, world.project_id, job.id)
    assert [f.name for f in listing.files] == [f"part-00000.{suffix}", f"part-00001.{suffix}"]
    assert not listing.complete
    second = job_runs.execute(ctx, job.id)
    assert second is job_runs.Outcome.DONE
    parts = {k: n for k, n in counting.puts.items() if "/part-" in k}
    assert parts == {f"{folder}part-{n:05d}.{suffix}": 1 for n in range(4)}
    done = exports.download_export(ctx, SYSTEM, world.project_id, job.id)
    data = b"".join(done.chunks)
    if format_name == "masks":
        first_zip, second_zip = (
            zipfile.ZipFile(io.BytesIO(reference)),
            zipfile.ZipFile(io.BytesIO(data)),
        )
        assert first_zip.namelist() == second_zip.namelist()
        for name in first_zip.namelist():
            assert first_zip.read(name) == second_zip.read(name)
    else:
        one, two = json.loads(reference), json.loads(data)
        for document in (one, two):
            document.get("info", {}).pop("description", None)
            document.get("info", {}).pop("date_created", None)
        assert one == two


def test_the_api_serves_complete_parts_while_the_export_runs(
    client: TestClient, ctx: Context, admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(ctx)
    monkeypatch.setattr(exports, "PART_ITEMS", 2)
    release = threading.Event()
    writing: list[int] = []
    real_write: Callable[..., Any] = exports.write_part

    def slow_write(*args: Any, **kwargs: Any) -> Any:
        writing.append(1)
        if len(writing) == 2:
            release.wait(20)
        return real_write(*args, **kwargs)

    monkeypatch.setattr(exports, "write_part", slow_write)
    headers = bearer(admin_token)
    base = f"/api/projects/{world.project_id}/exports"
    try:
        started = client.post(base, json={"format": "json"}, headers=headers)
        assert started.status_code == 202, started.text
        export_id = started.json()["id"]
        assert started.json()["kind"] == "project.export"

        def one_part() -> Any:
            listed = client.get(f"{base}/{export_id}/files", headers=headers).json()
            return listed if listed["files"] and len(writing) == 2 else None

        from jobs_helpers import wait_for

        listed = wait_for(one_part, what="the first part")
        assert [f["name"] for f in listed["files"]] == ["part-00000.json"]
        assert listed["files"][0]["items"] == 2
        assert listed["state"] == "running"
        assert not listed["complete"]
        part = client.get(f"{base}/{export_id}/files/part-00000.json", headers=headers)
        assert part.status_code == 200
        assert [i["id"] for i in part.json()["items"]] == world.item_ids[:2]
        missing = client.get(f"{base}/{export_id}/files/part-00001.json", headers=headers)
        assert missing.status_code == 404
        early = client.get(f"{base}/{export_id}/download", headers=headers)
        assert early.status_code == 409
        assert "still running" in early.json()["detail"]
    finally:
        release.set()
    wait_state(ctx, export_id, "done")
    whole = client.get(f"{base}/{export_id}/download", headers=headers)
    assert whole.status_code == 200
    assert 'filename="Street-export-' in whole.headers["content-disposition"]
    assert [i["id"] for i in whole.json()["items"]] == world.item_ids


def test_the_api_refuses_bad_requests_with_reasons(
    client: TestClient, ctx: Context, admin_token: str
) -> None:
    world = build_world(ctx, images=1)
    headers = bearer(admin_token)
    base = f"/api/projects/{world.project_id}/exports"
    bad_format = client.post(base, json={"format": "yolo"}, headers=headers)
    assert bad_format.status_code == 422
    bad_filter = client.post(base, json={"format": "json", "filter": {"x": 1}}, headers=headers)
    assert bad_filter.status_code == 422
    assert "filter" in bad_filter.json()["detail"]
    revisions = client.post(
        base, json={"format": "masks", "include_revisions": True}, headers=headers
    )
    assert revisions.status_code == 422
    assert client.get(f"{base}/999/files", headers=headers).status_code == 404
    other = client.post(
        f"/api/projects/{world.project_id + 50}/exports", json={"format": "json"}, headers=headers
    )
    assert other.status_code in (403, 404)


def test_the_cli_writes_the_export_to_a_file(tmp_path: Path, database_url: str) -> None:
    home = tmp_path / "home"
    url = "" if database_url.startswith("sqlite") else database_url
    variables = {"PIXELWISE_DATABASE_URL": url} if url else {}
    settings = load_settings(home=str(home), **({"database_url": url} if url else {}))
    from pixelwise.cli.serving import open_context

    if url:
        pytest.skip("the CLI test runs on its own SQLite home")
    ctx = open_context(settings)
    world = build_world(ctx, images=2, name="Cli project")
    out = tmp_path / "export.coco.json"
    result = pixelwise(
        "export",
        "--project",
        "Cli project",
        "--format",
        "coco",
        "--out",
        str(out),
        "--filter",
        '{"state": "submitted"}',
        env=env_for(home, **variables),
    )
    assert result.returncode == 0, result.stderr
    assert "exported 1 items" in result.stdout
    document = json.loads(out.read_text())
    assert {i["pixelwise"]["item_id"] for i in document["images"]} == {world.images[0]}
    unknown = pixelwise("export", "--project", "nope", "--out", str(out), env=env_for(home))
    assert unknown.returncode == 1
    assert "no project named" in unknown.stderr


def _close(one: Any, two: Any) -> bool:
    """Equal JSON values, floats to 12 significant digits (areas are summed in another
    order by the two writers)."""
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(_close(one[k], two[k]) for k in one)
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(_close(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, int | float) and isinstance(two, int | float):
        return bool(abs(one - two) <= 1e-12 * max(1.0, abs(one), abs(two)))
    return bool(one == two)


@pytest.mark.parametrize("format_name", ["coco", "json"])
def test_the_database_writes_what_the_python_writer_writes(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, format_name: str
) -> None:
    """Boxes and hole-free polygons with stored measures are written by the database; the
    document equals the one written from the object rows (measures not stored)."""
    from pixelwise.domain.geometry import area_of, bbox_of

    world = build_world(ctx, images=1, name="Measured")
    two_parts = {
        "type": "polygon",
        "parts": [
            {"outer": [[1.5, 1.25], [15.0, 2.0], [10.0, 14.125]], "holes": []},
            {"outer": [[20, 20], [30, 20], [25, 28.333]], "holes": []},
        ],
    }
    holed = image_objects()[3][1]
    planned = [
        [
            ("car", {"type": "box", "x": 2.5, "y": 3.0, "w": 10.1, "h": 8.2}, 0),
            ("road", two_parts, 1),
        ],
        [("car", {"type": "box", "x": 0, "y": 0, "w": 4, "h": 4}, 0), ("road", holed, 2)],
        [],
    ]
    with ctx.database.transaction() as session:
        project = session.get(Project, world.project_id)
        assert project is not None
        for number, objects in enumerate(planned):
            asset = Asset(
                dataset_id=project.dataset_id,
                folder="",
                name=f"m{number}.png",
                kind="image",
                width=W,
                height=H,
                media_type="x/y",
                blob_key="k",
                size_bytes=1,
                checksum="0",
            )
            session.add(asset)
            session.flush()
            item = WorkItem(
                project_id=project.id,
                asset_id=asset.id,
                round=0,
                state="queued",
                revision=1,
                object_count=len(objects),
                answers={"weather": "rain"},
            )
            session.add(item)
            session.flush()
            for index, (class_key, geometry, z_order) in enumerate(objects):
                session.add(
                    AnnotationObject(
                        work_item_id=item.id,
                        uid=f"m{number}-{index}",
                        class_key=class_key,
                        geometry_type=geometry["type"],
                        geometry=geometry,
                        attributes={"n": index, "t": "é\"'"},
                        source="model",
                        model="m'1",
                        score=0.1 + 0.2,
                        z_order=z_order,
                        revision=1,
                    )
                )
    _, before = run_export(ctx, world.project_id, format_name)
    with ctx.database.transaction() as session:
        for row in session.query(AnnotationObject):
            shape = parse_geometry(row.geometry)
            row.bbox_x, row.bbox_y, row.bbox_w, row.bbox_h = bbox_of(shape)
            row.area = area_of(shape)
    from pixelwise.formats import coco as coco_format

    written: list[int] = []
    add_text = coco_format.TextWriter.add_text

    def counting(self: Any, item: Any, annotations: str) -> None:
        written.append(item[0])
        add_text(self, item, annotations)

    monkeypatch.setattr(coco_format.TextWriter, "add_text", counting)
    _, after = run_export(ctx, world.project_id, format_name)
    if format_name == "coco":  # the measured item of a box and a hole-free polygon
        assert len(written) == 1
    one, two = json.loads(before), json.loads(after)
    for document in (one, two):
        document.get("info", {}).pop("description", None)
        document.get("info", {}).pop("date_created", None)
    assert _close(one, two)
    if format_name == "coco":
        coco = _coco_file(tmp_path, after)
        box = next(a for a in coco.anns.values() if a["pixelwise"]["uid"] == "m0-0")
        assert box["bbox"] == [2.5, 3.0, 10.1, 8.2]
        assert box["segmentation"] == [[2.5, 3.0, 12.6, 3.0, 12.6, 11.2, 2.5, 11.2]]
        polygon = next(a for a in coco.anns.values() if a["pixelwise"]["uid"] == "m0-1")
        assert polygon["segmentation"] == [
            [1.5, 1.25, 15.0, 2.0, 10.0, 14.125],
            [20, 20, 30, 20, 25, 28.333],
        ]
        assert coco.annToMask(polygon).sum() > 0


def _save_fast_shapes(ctx: Context, world: World, item_id: int, base_revision: int) -> None:
    """Replace an image item's objects by shapes whose COCO text is stored."""
    shapes: list[tuple[str, dict[str, Any], int]] = [
        ("car", {"type": "box", "x": 2.5, "y": 3.0, "w": 10.1, "h": 8.2}, 0),
        (
            "road",
            {
                "type": "polygon",
                "parts": [
                    {"outer": [[1.5, 1.25], [15.0, 2.0], [10.0, 14.125]], "holes": []},
                    {"outer": [[20, 20], [30, 20], [25, 28.333]], "holes": []},
                ],
            },
            1,
        ),
        ("sign", image_objects()[1][1], 2),
        ("lane", image_objects()[4][1], 0),
    ]
    body = AnnotationReplace(
        request_id=f"fast-{item_id}-{base_revision}",
        base_revision=base_revision,
        objects=[
            ObjectIn.model_validate(
                {
                    "id": f"f{index}",
                    "class": key,
                    "geometry": geometry,
                    "z_order": z_order,
                    "source": "model",
                    "model": 'm\'1 "é"',
                    "score": 0.1 + 0.2,
                    "time_spent": 1.5,
                }
            )
            for index, (key, geometry, z_order) in enumerate(shapes)
        ],
        answers={"weather": "rain"},
    )
    item_annotations.save_replace(ctx, Actor.system("test"), world.project_id, item_id, body)
    for index, (key, geometry, _) in enumerate(shapes):
        world.objects[f"f{index}"] = {"class": key, "geometry": geometry, "item": item_id}


def _without_export_info(data: bytes) -> Any:
    document = json.loads(data)
    document.get("info", {}).pop("description", None)
    document.get("info", {}).pop("date_created", None)
    return document


@pytest.mark.parametrize("format_name", ["coco", "json"])
def test_stored_export_texts_write_what_the_columns_write(
    ctx: Context, monkeypatch: pytest.MonkeyPatch, format_name: str
) -> None:
    """Saves keep each object's export text; the export copies it, and the document equals
    the one built from the object's columns (objects saved before the texts were kept)."""
    from sqlalchemy import select, update

    from pixelwise.formats import coco as coco_format

    world = build_world(ctx, images=2, name=f"Stored {format_name}", saved=True)
    fast = world.images[0]
    _save_fast_shapes(ctx, world, fast, base_revision=2)
    with ctx.database.read() as session:
        rows = session.execute(
            select(
                AnnotationObject.geometry_type,
                AnnotationObject.native_json,
                AnnotationObject.coco_json,
                AnnotationObject.geometry,
            ).where(AnnotationObject.work_item_id.in_(world.images))
        ).all()
    assert len(rows) == 4 + len(image_objects())
    for kind, native_text, coco_text, geometry in rows:
        assert native_text is not None
        holed = kind == "polygon" and any(p["holes"] for p in geometry["parts"])
        assert (coco_text is None) == (kind in ("mask", "points") or holed), kind
    written: list[int] = []
    add_text = coco_format.TextWriter.add_text

    def counting(self: Any, item: Any, annotations: str) -> None:
        written.append(item[0])
        add_text(self, item, annotations)

    monkeypatch.setattr(coco_format.TextWriter, "add_text", counting)
    _, stored = run_export(ctx, world.project_id, format_name)
    if format_name == "coco":  # only the item whose objects all have a stored text
        assert written == [fast]
    with ctx.database.transaction() as session:
        session.execute(
            update(AnnotationObject)
            .where(AnnotationObject.work_item_id.in_(world.item_ids))
            .values(native_json=None, coco_json=None)
        )
    _, built = run_export(ctx, world.project_id, format_name)
    one, two = _without_export_info(stored), _without_export_info(built)
    assert _close(one, two)
    if format_name == "json":
        item = next(i for i in one["items"] if i["id"] == fast)
        box = next(o for o in item["objects"] if o["uid"] == "f0")
        assert (box["model"], box["score"], box["time_spent"]) == ('m\'1 "é"', 0.1 + 0.2, 1.5)
        assert (box["revision"], box["created_at"]) == (3, box["updated_at"])


def test_a_moved_object_is_exported_where_it_was_moved(ctx: Context) -> None:
    """An incremental save rewrites the export texts of the objects it puts."""
    from sqlalchemy import select

    world = build_world(ctx, images=1, name="Moved", saved=True)
    item_id = world.images[0]
    _save_fast_shapes(ctx, world, item_id, base_revision=2)
    moved = {"type": "box", "x": 5.0, "y": 6.0, "w": 10.1, "h": 8.2}
    patch = AnnotationPatch(
        request_id="move",
        base_revision=3,
        put=[ObjectIn.model_validate({"id": "f0", "class": "car", "geometry": moved})],
        delete=["f3"],
    )
    item_annotations.save_patch(ctx, Actor.system("test"), world.project_id, item_id, patch)
    with ctx.database.read() as session:
        native_text, coco_text = session.execute(
            select(AnnotationObject.native_json, AnnotationObject.coco_json).where(
                AnnotationObject.work_item_id == item_id, AnnotationObject.uid == "f0"
            )
        ).one()
    assert '"x":5.0' in native_text
    assert '"revision":4' in native_text
    assert coco_text.startswith('"bbox":[5.0,6.0,10.1,8.2]')
    _, data = run_export(ctx, world.project_id, "json")
    item = next(i for i in json.loads(data)["items"] if i["id"] == item_id)
    box = next(o for o in item["objects"] if o["uid"] == "f0")
    assert (box["geometry"], box["revision"], box["model"]) == (moved, 4, None)
    assert {o["uid"] for o in item["objects"]} == {"f0", "f1", "f2"}
    _, data = run_export(ctx, world.project_id, "coco")
    annotations = {a["pixelwise"]["uid"]: a for a in json.loads(data)["annotations"]}
    assert annotations["f0"]["bbox"] == [5.0, 6.0, 10.1, 8.2]
    assert annotations["f0"]["segmentation"] == [[5.0, 6.0, 15.1, 6.0, 15.1, 14.2, 5.0, 14.2]]
    assert "f3" not in annotations


def test_category_ids_follow_the_class_order_of_the_pinned_instruction(ctx: Context) -> None:
    """Stored COCO texts leave the category out: an export after the instruction changed
    its class order maps each annotation to its class's new position."""
    from pixelwise.db.models import InstructionVersion
    from pixelwise.services import project_instruction

    world = build_world(ctx, images=1, name="Reordered", saved=True)
    _save_fast_shapes(ctx, world, world.images[0], base_revision=2)

    def categories_of_classes() -> dict[str, int]:
        _, data = run_export(ctx, world.project_id, "coco")
        document = json.loads(data)
        keys = {c["id"]: c["pixelwise"]["key"] for c in document["categories"]}
        found: dict[str, int] = {}
        for annotation in document["annotations"]:
            key = annotation["pixelwise"]["class"]
            assert keys[annotation["category_id"]] == key
            found[key] = annotation["category_id"]
        return found

    assert categories_of_classes()["car"] == 1
    with ctx.database.read() as session:
        project = session.get(Project, world.project_id)
        assert project is not None
        version = session.get(InstructionVersion, project.instruction_version_id)
        assert version is not None
        instruction_id = version.instruction_id
    reordered = dict(INSTRUCTION, classes=list(reversed(INSTRUCTION["classes"])))
    actor = Actor.system("test")
    instructions.add_version(ctx, actor, instruction_id, reordered)
    project_instruction.change_instruction(ctx, actor, world.project_id, instruction_id, None)
    found = categories_of_classes()
    assert found["car"] == len(INSTRUCTION["classes"])
    assert found["road"] == len(INSTRUCTION["classes"]) - 2


def test_texts_worked_out_from_stored_rows_equal_the_saved_ones(ctx: Context) -> None:
    """What migration 0008 writes for objects saved before it is what a save writes."""
    from sqlalchemy import select

    from pixelwise.formats.fragments import stored_texts

    world = build_world(ctx, images=1, name="Backfill", saved=True)
    _save_fast_shapes(ctx, world, world.images[0], base_revision=2)
    columns = [
        "uid", "class_key", "geometry_type", "geometry", "attributes", "source", "model",
        "score", "z_order", "frame", "slice", "track_id", "flags", "time_spent", "revision",
    ]  # fmt: skip
    with ctx.database.read() as session:
        rows = session.execute(
            select(
                *(getattr(AnnotationObject, name) for name in columns),
                AnnotationObject.native_json,
                AnnotationObject.coco_json,
            ).where(AnnotationObject.work_item_id.in_(world.item_ids))
        ).all()
    assert len(rows) == 4 + 2 + 1  # the saved item, the DICOM series, the video
    for row in rows:
        native_text, coco_text = stored_texts(dict(zip(columns, row[:-2], strict=True)))
        saved_native, saved_coco = row[-2:]
        if saved_native is None:  # inserted as rows: nothing to compare with
            continue
        assert json.loads("{" + native_text + "}") == json.loads("{" + saved_native + "}")
        if saved_coco is None:
            assert coco_text is None
        else:
            assert coco_text is not None
            assert json.loads("{" + coco_text + "}}") == json.loads("{" + saved_coco + "}}")
