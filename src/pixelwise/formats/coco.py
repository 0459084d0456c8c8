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
  frame, slice, and `geometry` (the shape as stored) wherever the COCO fields cannot give it
  back exactly (rotated boxes, polygons with holes, lines, points that are not a skeleton's
  keypoints in template order).
- `pixelwise` at the top: {format_version, project, questions} (the image-level questions
  of the instruction; the answers are on each image).

`area` is the polygon's area (holes taken out) for polygons and boxes, and the pixel count
for RLE segmentations (polygons with holes are rasterised as `formats.raster` says).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

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
        "object_id": obj.id,
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
