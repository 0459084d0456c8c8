"""COCO export: a project's items and objects as one COCO JSON document, written item by item.

The document (see docs/exports.md for the full description):

- `categories`: one per label class; `id` is the class's 1-based index in instruction
  order (classes that objects use but the instruction lacks follow, named after their key).
  `supercategory` is the class's drawing tool (instructions do not group classes). Skeleton
  classes carry `keypoints` (keypoint keys in template order) and `skeleton` (edges as
  1-based keypoint indexes), as COCO keypoint categories do.
- `images`: one per work item, `id` = the work item id (not the asset id: consensus rounds
  label one asset several times), `file_name` = `folder/name` in the dataset, `width`,
  `height`, and `pixelwise` = {item_id, asset_id, kind, state, answers}. Shapes on a DICOM
  slice or a video frame go on an extra image per annotated slice/frame, `file_name`
  `folder/name/slice-0012` (or `frame-000012`), whose `pixelwise` names the item and the
  slice/frame; their ids continue after the highest work item id at the start of the export.
- `annotations`: `id` = the object's id, `image_id`, `category_id`, `bbox`, `area`,
  `iscrowd` 0, `segmentation`: polygons without holes as flat [x1, y1, x2, y2, ...] lists
  (one per part); boxes and rotated boxes as the polygon of their corners; polygons with
  holes and masks as RLE with compressed string counts; lines and points as []. Points and
  skeletons also have `keypoints` [x, y, v, ...] and `num_keypoints`. A 3D mask becomes one
  annotation per slice (the first keeps the object id, the others take ids after the highest
  object id at the start of the export). `pixelwise` holds what COCO has no field for: uid,
  class key, geometry type, attributes, source, model, score, z_order, flags, track_id,
  frame, slice, `geometry` (the shape as stored) wherever the COCO fields cannot give it
  back exactly (rotated boxes, polygons with holes, lines, points that are not a skeleton's
  keypoints in template order), and last the object id.
- `pixelwise` at the top: {format_version, project, questions} (the image-level questions
  of the instruction; the answers are on each image).

`area` is the polygon's area (holes taken out) for polygons and boxes, and the pixel count
for RLE segmentations (polygons with holes are rasterised as `formats.raster` says).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pixelwise.domain.geometry import (
    Box,
    Geometry,
    Mask,
    Mask3D,
    Points,
    Polygon,
    Polyline,
    Rle,
    RotatedBox,
    bbox_of,
    parse_geometry,
    polygon_area,
    rle_counts,
    rle_encode,
    rle_to_string,
    rotated_box_corners,
)
from pixelwise.formats.items import ClassEntry, ClassTable, ExportItem, ExportObject
from pixelwise.formats.raster import shape_mask

FORMAT_VERSION = 1
IMAGES_END = '],"annotations":['
DOCUMENT_END = "]}"


@dataclass
class CocoIds:
    """Ids handed out beyond the stored ones (slice/frame images, extra 3D-mask slices);
    kept in the export's manifest between parts so a resumed export continues them."""

    next_image_id: int
    next_annotation_id: int

    def to_json(self) -> dict[str, int]:
        return {"next_image_id": self.next_image_id, "next_annotation_id": self.next_annotation_id}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CocoIds:
        return cls(int(data["next_image_id"]), int(data["next_annotation_id"]))


def categories(table: ClassTable) -> list[dict[str, Any]]:
    """COCO categories: id = the class's 1-based index."""
    result = []
    for entry in table.classes:
        category: dict[str, Any] = {
            "id": entry.index,
            "name": entry.name,
            "supercategory": entry.tool,
            "pixelwise": {"key": entry.key, "color": entry.color},
        }
        if entry.keypoints:
            category["keypoints"] = list(entry.keypoints)
            category["skeleton"] = [list(edge) for edge in entry.edges]
        result.append(category)
    return result


def document_head(
    info: dict[str, Any],
    table: ClassTable,
    project: dict[str, Any],
    questions: list[dict[str, Any]],
) -> str:
    """The document up to the opening of the images array."""
    head = {
        "info": info,
        "licenses": [],
        "categories": categories(table),
        "pixelwise": {"format_version": FORMAT_VERSION, "project": project, "questions": questions},
    }
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
    return text[:-1] + ',"images":['


def _round(value: float) -> float:
    return round(float(value), 3)


def _plane(obj: ExportObject, geometry: Geometry, kind: str | None) -> int | None:
    if kind == "slice":
        return obj.slice if obj.slice is not None else getattr(geometry, "slice", None)
    if kind == "frame":
        return obj.frame if obj.frame is not None else getattr(geometry, "frame", None)
    return None


def convert_item(
    item: ExportItem, table: ClassTable, ids: CocoIds
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The images and annotations of one item (ids from `ids` are used up in order)."""
    kind = item.plane_kind
    images: list[dict[str, Any]] = [
        {
            "id": item.id,
            "file_name": item.file_name,
            "width": item.width,
            "height": item.height,
            "pixelwise": {
                "item_id": item.id,
                "asset_id": item.asset_id,
                "kind": item.kind,
                "state": item.state,
                "answers": item.answers,
            },
        }
    ]
    plane_images: dict[int, int] = {}

    def image_for(plane: int | None) -> int:
        if plane is None or kind is None:
            return item.id
        if plane not in plane_images:
            plane_images[plane] = ids.next_image_id
            ids.next_image_id += 1
        return plane_images[plane]

    annotations: list[dict[str, Any]] = []
    for obj in item.objects:
        geometry = parse_geometry(obj.geometry)
        entry = table.get(obj.class_key) or ClassEntry(
            0, obj.class_key, obj.class_key, "", "unknown"
        )
        if isinstance(geometry, Mask3D):
            for number, part in enumerate(sorted(geometry.slices, key=lambda s: s.slice)):
                if number == 0:
                    annotation_id = obj.id
                else:
                    annotation_id = ids.next_annotation_id
                    ids.next_annotation_id += 1
                single = Mask(rle=part.rle, slice=part.slice, frame=geometry.frame)
                annotation = annotation_for(
                    obj,
                    single,
                    entry,
                    image_for(part.slice if kind == "slice" else None),
                    annotation_id,
                    item.height,
                    item.width,
                )
                annotation["pixelwise"].update(type="mask3d", slice=part.slice)
                annotations.append(annotation)
            continue
        image_id = image_for(_plane(obj, geometry, kind))
        annotations.append(
            annotation_for(obj, geometry, entry, image_id, obj.id, item.height, item.width)
        )
    for plane, image_id in sorted(plane_images.items()):
        name = (
            f"{item.file_name}/{kind}-{plane:04d}"
            if kind == "slice"
            else f"{item.file_name}/{kind}-{plane:06d}"
        )
        images.append(
            {
                "id": image_id,
                "file_name": name,
                "width": item.width,
                "height": item.height,
                "pixelwise": {"item_id": item.id, "asset_id": item.asset_id, str(kind): plane},
            }
        )
    return images, annotations


def _flat(ring: Iterable[Sequence[float]]) -> list[float]:
    return [float(value) for point in ring for value in point[:2]]


def _keypoints(points: Points, entry: ClassEntry) -> tuple[list[float], bool]:
    """COCO keypoints [x, y, v, ...] and whether they give `points` back exactly."""
    flat: list[float] = []
    for point in points.points:
        flat += [float(point.x), float(point.y), float(point.visible)]
    keys = [point.key for point in points.points]
    exact = keys == list(entry.keypoints) if entry.keypoints else all(key is None for key in keys)
    return flat, exact


def annotation_for(
    obj: ExportObject,
    geometry: Geometry,
    entry: ClassEntry,
    image_id: int,
    annotation_id: int,
    height: int,
    width: int,
) -> dict[str, Any]:
    """One COCO annotation for a planar shape (a 3D mask is split by the caller)."""
    segmentation: Any = []
    exact = True
    area = 0.0
    extra: dict[str, Any] = {}
    if isinstance(geometry, Box):
        x, y, w, h = geometry.x, geometry.y, geometry.w, geometry.h
        segmentation = [[x, y, x + w, y, x + w, y + h, x, y + h]]
        area = w * h
    elif isinstance(geometry, RotatedBox):
        segmentation = [_flat(rotated_box_corners(geometry))]
        area = geometry.w * geometry.h
        exact = False
    elif isinstance(geometry, Polygon):
        area = sum(
            polygon_area(p.outer) - sum(polygon_area(hole) for hole in p.holes)
            for p in geometry.parts
        )
        if any(part.holes for part in geometry.parts):
            pixels = shape_mask(geometry, height, width)
            assert pixels is not None
            segmentation = _rle_json(rle_encode(pixels).counts, height, width)
            area = float(pixels.sum())
            exact = False
        else:
            segmentation = [_flat(part.outer) for part in geometry.parts]
    elif isinstance(geometry, Mask):
        counts = rle_counts(geometry.rle)
        segmentation = {"size": list(geometry.rle.size), "counts": rle_to_string(counts)}
        area = float(sum(counts[1::2]))
    elif isinstance(geometry, Polyline):
        exact = False
    elif isinstance(geometry, Points):
        flat, exact = _keypoints(geometry, entry)
        extra = {"keypoints": flat, "num_keypoints": sum(1 for p in geometry.points if p.visible)}
    bbox = [_round(v) for v in bbox_of(geometry)]
    ext: dict[str, Any] = {
        "uid": obj.uid,
        "class": obj.class_key,
        "type": obj.geometry_type,
        "attributes": obj.attributes,
        "source": obj.source,
        "model": obj.model,
        "score": obj.score,
        "z_order": obj.z_order,
        "flags": obj.flags,
        "track_id": obj.track_id,
        "frame": obj.frame,
        "slice": obj.slice,
    }
    if not exact:
        ext["geometry"] = obj.geometry
    ext["object_id"] = obj.id  # last: `formats.fragments` stores the text before it
    return {
        "id": annotation_id,
        "image_id": image_id,
        "category_id": entry.index,
        "bbox": bbox,
        "area": area,
        "iscrowd": 0,
        "segmentation": segmentation,
        **extra,
        "pixelwise": ext,
    }


def _rle_json(counts: list[int] | str, height: int, width: int) -> dict[str, Any]:
    text = counts if isinstance(counts, str) else rle_to_string(counts)
    return {"size": [height, width], "counts": text}


def geometry_from_annotation(
    annotation: dict[str, Any], category: dict[str, Any]
) -> dict[str, Any]:
    """The stored shape an annotation of this export stands for (a 3D mask's slice comes back
    as a one-slice `mask3d`; `merge_mask3d` joins them). The inverse of `annotation_for`,
    used to prove that every shape survives the export."""
    ext = annotation.get("pixelwise", {})
    if "geometry" in ext:
        return dict(ext["geometry"])
    kind = ext.get("type")
    planes = {key: ext[key] for key in ("frame", "slice") if ext.get(key) is not None}
    segmentation: Any = annotation.get("segmentation")
    if kind == "box":
        points = segmentation[0]
        x, y, w, h = points[0], points[1], points[2] - points[0], points[5] - points[1]
        return {"type": "box", "x": x, "y": y, "w": w, "h": h, **planes}
    if kind == "polygon":
        parts = [
            {"outer": [[ring[i], ring[i + 1]] for i in range(0, len(ring), 2)], "holes": []}
            for ring in segmentation
        ]
        return {"type": "polygon", "parts": parts, **planes}
    if kind in ("mask", "mask3d"):
        rle = {"size": segmentation["size"], "counts": segmentation["counts"]}
        if kind == "mask3d":
            frame = {"frame": ext["frame"]} if ext.get("frame") is not None else {}
            return {"type": "mask3d", "slices": [{"slice": ext["slice"], "rle": rle}], **frame}
        return {"type": "mask", "rle": rle, **planes}
    if kind == "points":
        flat = annotation["keypoints"]
        names = category.get("keypoints") or [None] * (len(flat) // 3)
        points = []
        for index, key in zip(range(0, len(flat), 3), names, strict=False):
            point: dict[str, Any] = {
                "x": flat[index],
                "y": flat[index + 1],
                "visible": int(flat[index + 2]),
            }
            if key is not None:
                point["key"] = key
            points.append(point)
        return {"type": "points", "points": points, **planes}
    raise ValueError(f"annotation {annotation.get('id')} has no shape this export writes ({kind})")


def same_rle(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two RLE objects (list or string counts) encode the same mask."""
    first, second = Rle.model_validate(a), Rle.model_validate(b)
    return first.size == second.size and rle_counts(first) == rle_counts(second)


# --- The fast path: images and annotations written as text ------------------------------
#
# Image items (no slices or frames) whose objects are boxes and polygons without holes -- the
# bulk of most projects -- are written without building dicts or parsing shapes into
# models: the stored JSON texts (answers, attributes, flags) are copied into the output, a
# polygon's flat COCO rings are its stored outer rings without brackets, and the areas and
# extents of a part's polygons are computed in one numpy pass. Any other shape goes through
# `annotation_for`, an item with slices or frames (or a 3D mask) through `convert_item`; both
# write the same document.

_quote: Callable[[str], str] = json.encoder.encode_basestring
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# A polygon part's outer ring as stored ([[x, y], ...]: only numbers, brackets, commas and
# spaces), and a part's empty list of holes.
_OUTER = re.compile(r'"outer"\s*:\s*(\[[-+0-9.eE,\s\[\]]*?\]\s*\])')
# A box as stored: its type, then x, y, w and h (numbers), in that order.
_NUMBER = r"\s*(-?[0-9][0-9.eE+-]*)\s*"
_BOX = re.compile(
    rf'\{{\s*"type"\s*:\s*"box"\s*,\s*"x":{_NUMBER},\s*"y":{_NUMBER},\s*"w":{_NUMBER},'
    rf'\s*"h":{_NUMBER}[,}}]'
)
_EMPTY_HOLES = re.compile(r'"holes"\s*:\s*\[\s*\]')
_UNBRACKET = str.maketrans("", "", "[] \t\r\n")

# The object columns the fast path reads, after the work item id (ExportObject's fields,
# JSON columns as text).
ObjectRow = Sequence[Any]


def _text(value: str | None) -> str:
    return "null" if value is None else _quote(value)


def _extension(row: ObjectRow) -> str:
    """The annotation's `pixelwise` object, the JSON columns copied as stored."""
    (_, oid, uid, class_key, kind, _, attributes, source, model, score, z_order, frame,
     slice_, track_id, flags) = row  # fmt: skip
    return (
        f'"pixelwise":{{"uid":{_quote(uid)},"class":{_quote(class_key)},"type":{_quote(kind)},'
        f'"attributes":{attributes or "{}"},"source":{_quote(source)},'
        f'"model":{"null" if model is None else _quote(model)},'
        f'"score":{"null" if score is None else repr(score)},"z_order":{z_order},'
        f'"flags":{flags or "[]"},"track_id":{"null" if track_id is None else _quote(track_id)},'
        f'"frame":{"null" if frame is None else frame},'
        f'"slice":{"null" if slice_ is None else slice_},"object_id":{oid}}}}}'
    )


def export_object(row: ObjectRow) -> ExportObject:
    """An object row (work item id, then ExportObject's fields, JSON as text) parsed."""
    return ExportObject(
        id=row[1],
        uid=row[2],
        class_key=row[3],
        geometry_type=row[4],
        geometry=json.loads(row[5]),
        attributes=json.loads(row[6]) if row[6] else {},
        source=row[7],
        model=row[8],
        score=row[9],
        z_order=row[10],
        frame=row[11],
        slice=row[12],
        track_id=row[13],
        flags=json.loads(row[14]) if row[14] else [],
    )


def _image_text(item: Sequence[Any]) -> str:
    """The COCO image of an image item (`item` in native.ITEM_COLUMNS order)."""
    (iid, state, _, _, _, answers, _, _, _, asset_id, folder, name, kind, width,
     height, _) = item  # fmt: skip
    file_name = f"{folder}/{name}" if folder else name
    return (
        f'{{"id":{iid},"file_name":{_quote(file_name)},"width":{int(width or 0)},'
        f'"height":{int(height or 0)},"pixelwise":{{"item_id":{iid},"asset_id":{asset_id},'
        f'"kind":{_text(kind)},"state":{_text(state)},"answers":{answers or "{}"}}}}}'
    )


@dataclass
class _Pending:
    """Polygons waiting for their area and bbox: the flat rings, and where each goes."""

    rings: list[str]
    ring_sizes: list[int]  # vertices per ring
    ring_counts: list[int]  # rings per polygon
    slots: list[tuple[int, str, str]]  # (index in the annotations, text before, after)


class TextWriter:
    """Images and annotations of one part's items as JSON texts (`images`,
    `annotations`), in item order, the same as `convert_item` gives."""

    def __init__(self, table: ClassTable, ids: CocoIds) -> None:
        self.table = table
        self.ids = ids
        self.index = {entry.key: entry.index for entry in table.classes}
        self.images: list[str] = []
        self.annotations: list[str] = []
        self._pending = _Pending([], [], [], [])

    def add(self, item: Sequence[Any], objects: Sequence[ObjectRow]) -> None:
        """One item: `item` in native.ITEM_COLUMNS order, `objects` its object rows."""
        (iid, state, _, _, _, answers, _, _, _, asset_id, folder, name, kind, width,
         height, frame_count) = item  # fmt: skip
        width, height = int(width or 0), int(height or 0)
        if kind not in ("dicom", "video") and all(o[4] != "mask3d" for o in objects):
            self.images.append(_image_text(item))
            for row in objects:
                self._object(row, iid, height, width)
            return
        whole = ExportItem(
            id=iid,
            asset_id=asset_id,
            folder=folder,
            name=name,
            kind=kind,
            width=width,
            height=height,
            frame_count=frame_count,
            state=state,
            answers=json.loads(answers) if answers else {},
            objects=[export_object(row) for row in objects],
        )
        images, annotations = convert_item(whole, self.table, self.ids)
        self.images += [_encode(image) for image in images]
        self.annotations += [_encode(annotation) for annotation in annotations]

    def add_text(self, item: Sequence[Any], annotations: str) -> None:
        """An image item whose annotations the database wrote (`annotations`: their JSON
        texts joined by commas, empty for none)."""
        self.images.append(_image_text(item))
        if annotations:
            self.annotations.append(annotations)

    def _object(self, row: ObjectRow, image_id: int, height: int, width: int) -> None:
        kind, geometry = row[4], row[5]
        category = self.index.get(row[3], 0)
        head = f'{{"id":{row[1]},"image_id":{image_id},"category_id":{category},"bbox":'
        if kind == "box":
            match = _BOX.match(geometry)
            if match is not None:
                x, y, w, h = map(float, match.groups())
                left, top, right, bottom = repr(x), repr(y), repr(x + w), repr(y + h)
                self.annotations.append(
                    f"{head}[{round(x, 3)!r},{round(y, 3)!r},{round(w, 3)!r},{round(h, 3)!r}],"
                    f'"area":{w * h!r},"iscrowd":0,"segmentation":[[{left},{top},{right},'
                    f"{top},{right},{bottom},{left},{bottom}]],{_extension(row)}"
                )
                return
        elif kind == "polygon" and self._polygon(row, head, geometry):
            return
        obj = export_object(row)
        entry = self.table.get(obj.class_key) or ClassEntry(
            0, obj.class_key, obj.class_key, "", "unknown"
        )
        shape = parse_geometry(obj.geometry)
        self.annotations.append(
            _encode(annotation_for(obj, shape, entry, image_id, obj.id, height, width))
        )

    def _polygon(self, row: ObjectRow, head: str, geometry: str) -> bool:
        """Queue a polygon without holes (False for anything else)."""
        parts = geometry.count('"outer"')
        outers = _OUTER.findall(geometry)
        if (
            not parts
            or len(outers) != parts
            or geometry.count('"holes"') != len(_EMPTY_HOLES.findall(geometry))
        ):
            return False
        rings = [outer.translate(_UNBRACKET) for outer in outers]
        sizes = []
        for ring in rings:
            values = ring.count(",") + 1
            if not ring or values % 2:
                return False
            sizes.append(values // 2)
        pending = self._pending
        pending.rings += rings
        pending.ring_sizes += sizes
        pending.ring_counts.append(len(rings))
        tail = f',"iscrowd":0,"segmentation":[[{"],[".join(rings)}]],{_extension(row)}'
        pending.slots.append((len(self.annotations), head, tail))
        self.annotations.append("")
        return True

    def finish(self) -> None:
        """Compute the queued polygons' areas and bboxes (one numpy pass) and write them."""
        pending, self._pending = self._pending, _Pending([], [], [], [])
        if not pending.slots:
            return
        values = np.array(list(map(float, ",".join(pending.rings).split(","))))
        xs, ys = values[0::2], values[1::2]
        sizes = np.asarray(pending.ring_sizes, dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        following = np.arange(xs.size) + 1
        following[starts + sizes - 1] = starts
        cross = xs * ys[following] - xs[following] * ys
        ring_areas = np.abs(np.add.reduceat(cross, starts)) / 2.0
        ring_areas[sizes < 3] = 0.0
        counts = np.asarray(pending.ring_counts, dtype=np.int64)
        first_ring = np.concatenate(([0], np.cumsum(counts)[:-1]))
        areas = np.add.reduceat(ring_areas, first_ring).tolist()
        first_vertex = starts[first_ring]
        left = np.minimum.reduceat(xs, first_vertex)
        top = np.minimum.reduceat(ys, first_vertex)
        widths = (np.maximum.reduceat(xs, first_vertex) - left).tolist()
        heights = (np.maximum.reduceat(ys, first_vertex) - top).tolist()
        for (slot, head, tail), x, y, w, h, area in zip(
            pending.slots, left.tolist(), top.tolist(), widths, heights, areas, strict=True
        ):
            self.annotations[slot] = (
                f"{head}[{round(x, 3)!r},{round(y, 3)!r},{round(w, 3)!r},{round(h, 3)!r}],"
                f'"area":{area!r}{tail}'
            )
