"""Annotation geometry: the shape types and the rules a shape must meet on its asset.

The models live in `geometry_models`, RLE helpers in `geometry_rle` and ring algorithms
in `geometry_rings`, `bbox_of` and `rotated_box_corners` in `geometry_measure`; this
module re-exports them and adds `validate_geometry`. Coordinates are absolute pixels of
the original asset (origin top-left, x right, y down); an image spans [0, width] x
[0, height].

`validate_geometry` returns the shape, possibly clipped and tidied, and a list of
warning flags; it raises `InvalidInput` naming the field (`geometry.parts[0].outer[3]`)
for anything it rejects. The rules:

(a) Outside the image. A vertex or point more than `CLIP_TOLERANCE` (1 px) outside the
    image is rejected: it is almost surely in the wrong coordinate system (normalised,
    or of a resized copy). Within the tolerance it is clipped to the border (a click on
    the edge of the canvas lands a fraction of a pixel out) and the flag `clipped` is set.
    Boxes are clipped to the image (flag `clipped`) and rejected only when nothing is
    left. A rotated box cannot be clipped and stay a box: its centre follows the vertex
    rule, its corners may stick out (flag `extends_outside`). Keypoints with
    `visible == 0` are not labelled, so their coordinates are not checked.
(b) Polygons. Each ring (outer ring or hole) loses consecutive repeated vertices and a
    closing vertex equal to the first; it then needs 3 distinct vertices, must enclose
    some area (not all vertices on one line) and has at most `MAX_RING_VERTICES`
    vertices. A self-intersecting ring (a bow-tie) is accepted with the flag
    `self_intersecting`: annotators draw such shapes on purpose or by a slip, and any
    automatic repair changes the area without anyone noticing, so it is left to a
    reviewer. Every vertex of a hole must lie inside or on its part's outer ring.
    Overlaps between parts or between holes are not checked. Polylines need two
    distinct points.
(c) Masks. `size` must equal the asset's (height, width); the counts, decoded from COCO's
    compressed string when given as one, must add up to height x width; a mask without
    any foreground pixel is rejected (delete the annotation instead).
(d) Slices and frames. When the asset has slices (a DICOM series), every shape needs a
    `slice` in [0, slices); when it has frames (a video), a `frame` in [0, frames).
    Assets without slices or frames reject those fields. A `Mask3D` needs slices and
    lists each slice once.

`track_id` (linking shapes across video frames) is reserved for a later version.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from pixelwise.domain.errors import InvalidInput
from pixelwise.domain.geometry_measure import Bbox, area_of, bbox_of, rotated_box_corners
from pixelwise.domain.geometry_models import (
    GEOMETRY_TYPES,
    Box,
    Geometry,
    Keypoint,
    Mask,
    Mask3D,
    Part,
    Point,
    Points,
    Polygon,
    Polyline,
    Ring,
    Rle,
    RotatedBox,
    SliceMask,
    parse_geometry,
)
from pixelwise.domain.geometry_rings import (
    MAX_RING_VERTICES,
    is_degenerate,
    is_self_intersecting,
    points_in_ring,
    polygon_area,
)
from pixelwise.domain.geometry_rle import (
    rle_counts,
    rle_decode,
    rle_encode,
    rle_from_string,
    rle_to_string,
)

__all__ = [
    "CLIP_TOLERANCE",
    "EXTENDS_OUTSIDE",
    "GEOMETRY_TYPES",
    "MAX_RING_VERTICES",
    "SELF_INTERSECTING",
    "WAS_CLIPPED",
    "Bbox",
    "Box",
    "Geometry",
    "Keypoint",
    "Mask",
    "Mask3D",
    "Part",
    "Point",
    "Points",
    "Polygon",
    "Polyline",
    "Ring",
    "Rle",
    "RotatedBox",
    "SliceMask",
    "area_of",
    "bbox_of",
    "is_self_intersecting",
    "parse_geometry",
    "polygon_area",
    "rle_counts",
    "rle_decode",
    "rle_encode",
    "rle_from_string",
    "rle_to_string",
    "rotated_box_corners",
    "validate_geometry",
]

CLIP_TOLERANCE = 1.0
"""How far (pixels) outside the image a vertex may be and still be clipped to the border."""

WAS_CLIPPED = "clipped"
EXTENDS_OUTSIDE = "extends_outside"
SELF_INTERSECTING = "self_intersecting"


@dataclasses.dataclass
class _Canvas:
    """The asset plane a shape is checked against, and the flags raised so far."""

    width: int
    height: int
    flags: list[str] = dataclasses.field(default_factory=list)

    def flag(self, name: str) -> None:
        if name not in self.flags:
            self.flags.append(name)

    def coord(self, value: float, limit: int, path: str) -> float:
        """`value` clipped to [0, limit]; InvalidInput when it is too far out."""
        if value < -CLIP_TOLERANCE or value > limit + CLIP_TOLERANCE:
            raise InvalidInput(
                f"{path} is {value:g}, outside the {self.width}x{self.height} image by more "
                f"than {CLIP_TOLERANCE:g} px; coordinates are pixels of the original asset "
                "from its top-left corner.",
                field=path,
            )
        clipped = min(max(value, 0.0), float(limit))
        if clipped != value:
            self.flag(WAS_CLIPPED)
        return clipped

    def point(self, point: Sequence[float], path: str) -> Point:
        """A vertex clipped to the image; InvalidInput when it is too far out."""
        x, y = point
        try:
            return self.coord(x, self.width, path), self.coord(y, self.height, path)
        except InvalidInput:
            raise InvalidInput(
                f"{path} ({x:g}, {y:g}) lies outside the {self.width}x{self.height} image "
                f"by more than {CLIP_TOLERANCE:g} px; coordinates are pixels of the "
                "original asset from its top-left corner.",
                field=path,
            ) from None


def validate_geometry(
    geometry: Geometry,
    *,
    width: int,
    height: int,
    slices: int | None = None,
    frames: int | None = None,
    field: str = "geometry",
) -> tuple[Geometry, list[str]]:
    """`geometry` checked against an asset of `width` x `height` pixels (with `slices`
    DICOM slices and `frames` video frames when it has them): the shape after clipping,
    and the warning flags. InvalidInput, naming the field under `field`, when a rule in
    the module docstring rejects it."""
    _check_planes(geometry, slices, frames, field)
    canvas = _Canvas(width, height)
    checked: Geometry
    if isinstance(geometry, Box):
        checked = _box(geometry, canvas, field)
    elif isinstance(geometry, RotatedBox):
        checked = _rotated_box(geometry, canvas, field)
    elif isinstance(geometry, Polygon):
        checked = _polygon(geometry, canvas, field)
    elif isinstance(geometry, Polyline):
        checked = _polyline(geometry, canvas, field)
    elif isinstance(geometry, Points):
        checked = _points(geometry, canvas, field)
    elif isinstance(geometry, Mask):
        _check_mask(geometry.rle, canvas, f"{field}.rle")
        checked = geometry
    else:
        for i, part in enumerate(geometry.slices):
            _check_mask(part.rle, canvas, f"{field}.slices[{i}].rle")
        checked = geometry
    return checked, canvas.flags


def _check_index(value: int | None, count: int | None, path: str, what: str) -> None:
    """One slice or frame index against the number the asset has (None: it has none)."""
    if count is None:
        if value is not None:
            raise InvalidInput(f"{path}: this asset has no {what}s; leave {what} out.", field=path)
        return
    if value is None:
        raise InvalidInput(
            f"{path} is required: give the {what} index (0 to {count - 1}) the shape lies on.",
            field=path,
        )
    if value >= count:
        raise InvalidInput(
            f"{path} is {value}, but the asset has {count} {what}s (0 to {count - 1}).",
            field=path,
        )


def _check_planes(geometry: Geometry, slices: int | None, frames: int | None, path: str) -> None:
    _check_index(geometry.frame, frames, f"{path}.frame", "frame")
    if not isinstance(geometry, Mask3D):
        _check_index(geometry.slice, slices, f"{path}.slice", "slice")
        return
    if slices is None:
        raise InvalidInput(
            f"{path}: a mask3d needs a DICOM series; use a mask for a single image.",
            field=f"{path}.type",
        )
    seen: set[int] = set()
    for i, part in enumerate(geometry.slices):
        where = f"{path}.slices[{i}].slice"
        _check_index(part.slice, slices, where, "slice")
        if part.slice in seen:
            raise InvalidInput(
                f"{where}: slice {part.slice} is listed twice; give each slice once.",
                field=where,
            )
        seen.add(part.slice)


def _box(box: Box, canvas: _Canvas, path: str) -> Box:
    left, top = max(box.x, 0.0), max(box.y, 0.0)
    right, bottom = (
        min(box.x + box.w, float(canvas.width)),
        min(box.y + box.h, float(canvas.height)),
    )
    if right <= left or bottom <= top:
        raise InvalidInput(
            f"{path}: the box lies entirely outside the {canvas.width}x{canvas.height} image; "
            "coordinates are pixels of the original asset from its top-left corner.",
            field=path,
        )
    inside = (
        box.x >= 0
        and box.y >= 0
        and box.x + box.w <= canvas.width
        and box.y + box.h <= canvas.height
    )
    if inside:  # compared by edges: recomputing w from x + w - x would change its last bit
        return box
    clipped = (left, top, right - left, bottom - top)
    canvas.flag(WAS_CLIPPED)
    return box.model_copy(update=dict(zip(("x", "y", "w", "h"), clipped, strict=True)))


def _rotated_box(box: RotatedBox, canvas: _Canvas, path: str) -> RotatedBox:
    cx = canvas.coord(box.cx, canvas.width, f"{path}.cx")
    cy = canvas.coord(box.cy, canvas.height, f"{path}.cy")
    checked = box if (cx, cy) == (box.cx, box.cy) else box.model_copy(update={"cx": cx, "cy": cy})
    for x, y in rotated_box_corners(checked):
        if not (0 <= x <= canvas.width and 0 <= y <= canvas.height):
            canvas.flag(EXTENDS_OUTSIDE)
    return checked


def _tidy(points: list[Point], closed: bool) -> list[Point]:
    """Without consecutive repeats (and, for a ring, without a closing repeat)."""
    tidy = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
    if closed and len(tidy) > 1 and tidy[0] == tidy[-1]:
        tidy.pop()
    return tidy


def _vertices(points: Sequence[Sequence[float]], canvas: _Canvas, path: str) -> list[Point]:
    if len(points) > MAX_RING_VERTICES:
        raise InvalidInput(
            f"{path} has {len(points)} vertices; at most {MAX_RING_VERTICES} are allowed, "
            "simplify the shape or send it as a mask.",
            field=path,
        )
    return [canvas.point(p, f"{path}[{i}]") for i, p in enumerate(points)]


def _ring(ring: Ring, canvas: _Canvas, path: str) -> Ring:
    tidy = _tidy(_vertices(ring, canvas, path), closed=True)
    if len(set(tidy)) < 3:
        raise InvalidInput(
            f"{path} has {len(set(tidy))} distinct vertices; a ring needs at least 3.",
            field=path,
        )
    if is_degenerate(tidy):
        raise InvalidInput(
            f"{path} encloses no area: all its vertices lie on one line.", field=path
        )
    if is_self_intersecting(tidy):
        canvas.flag(SELF_INTERSECTING)
    return tidy


def _polygon(polygon: Polygon, canvas: _Canvas, path: str) -> Polygon:
    parts: list[Part] = []
    for i, part in enumerate(polygon.parts):
        where = f"{path}.parts[{i}]"
        outer = _ring(part.outer, canvas, f"{where}.outer")
        holes = [_ring(hole, canvas, f"{where}.holes[{j}]") for j, hole in enumerate(part.holes)]
        for j, hole in enumerate(holes):
            inside = points_in_ring(hole, outer)
            if not bool(inside.all()):
                k = int(np.argmin(inside))
                raise InvalidInput(
                    f"{where}.holes[{j}][{k}] lies outside the outer ring of part {i}; "
                    "a hole must lie inside its part.",
                    field=f"{where}.holes[{j}][{k}]",
                )
        parts.append(Part(outer=outer, holes=holes))
    return polygon.model_copy(update={"parts": parts})


def _polyline(line: Polyline, canvas: _Canvas, path: str) -> Polyline:
    points = _tidy(_vertices(line.points, canvas, f"{path}.points"), closed=False)
    if len(points) < 2:
        raise InvalidInput(
            f"{path}.points: a polyline needs at least 2 distinct points.",
            field=f"{path}.points",
        )
    return line.model_copy(update={"points": points})


def _points(shape: Points, canvas: _Canvas, path: str) -> Points:
    points: list[Keypoint] = []
    for i, point in enumerate(shape.points):
        if point.visible == 0:
            points.append(point)
            continue
        x, y = canvas.point((point.x, point.y), f"{path}.points[{i}]")
        same = (x, y) == (point.x, point.y)
        points.append(point if same else point.model_copy(update={"x": x, "y": y}))
    return shape.model_copy(update={"points": points})


def _check_mask(rle: Rle, canvas: _Canvas, path: str) -> None:
    if tuple(rle.size) != (canvas.height, canvas.width):
        raise InvalidInput(
            f"{path}.size is {list(rle.size)}, but the image is [{canvas.height}, "
            f"{canvas.width}] (height, width); encode masks at the asset's full size.",
            field=f"{path}.size",
        )
    counts = rle_counts(rle, field=f"{path}.counts")
    total, pixels = sum(counts), canvas.height * canvas.width
    if total != pixels:
        raise InvalidInput(
            f"{path}.counts add up to {total} pixels, but a {canvas.height}x{canvas.width} "
            f"mask has {pixels}; encode the whole image, column by column.",
            field=f"{path}.counts",
        )
    if sum(counts[1::2]) == 0:
        raise InvalidInput(
            f"{path} has no foreground pixels; delete the annotation instead.",
            field=f"{path}.counts",
        )
