"""Measures of annotation shapes that exports and statistics need: corners of rotated boxes,
bounding boxes, areas."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pixelwise.domain.geometry_models import (
    Box,
    Geometry,
    Mask,
    Mask3D,
    Point,
    Points,
    Polygon,
    Polyline,
    Rle,
    RotatedBox,
)
from pixelwise.domain.geometry_rings import polygon_area
from pixelwise.domain.geometry_rle import rle_counts, rle_decode


def rotated_box_corners(box: RotatedBox) -> list[Point]:
    """The four corners of a rotated box, clockwise on screen from its top-left corner."""
    turn = np.radians(box.angle)
    cos, sin = float(np.cos(turn)), float(np.sin(turn))
    corners: list[Point] = []
    for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        ox, oy = dx * box.w / 2, dy * box.h / 2
        corners.append((box.cx + ox * cos - oy * sin, box.cy + ox * sin + oy * cos))
    return corners


Bbox = tuple[float, float, float, float]


def _extent(points: Sequence[Sequence[float]]) -> Bbox:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def _mask_extent(rle: Rle) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) pixel edges of the foreground; None when empty."""
    mask = rle_decode(rle)
    cols, rows = np.flatnonzero(mask.any(axis=0)), np.flatnonzero(mask.any(axis=1))
    if cols.size == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def bbox_of(geometry: Geometry) -> Bbox:
    """The axis-aligned box (x, y, w, h) around a shape, as COCO's `bbox`. Masks give whole
    pixels; keypoints count only when labelled (all of them if none is); an empty mask
    gives (0, 0, 0, 0)."""
    if isinstance(geometry, Box):
        return geometry.x, geometry.y, geometry.w, geometry.h
    if isinstance(geometry, RotatedBox):
        return _extent(rotated_box_corners(geometry))
    if isinstance(geometry, Polygon):
        return _extent([p for part in geometry.parts for p in part.outer])
    if isinstance(geometry, Polyline):
        return _extent(geometry.points)
    if isinstance(geometry, Points):
        labelled = [(p.x, p.y) for p in geometry.points if p.visible] or [
            (p.x, p.y) for p in geometry.points
        ]
        return _extent(labelled)
    rles = [geometry.rle] if isinstance(geometry, Mask) else [s.rle for s in geometry.slices]
    extents = [e for e in (_mask_extent(r) for r in rles) if e is not None]
    if not extents:
        return 0.0, 0.0, 0.0, 0.0
    left, top = min(e[0] for e in extents), min(e[1] for e in extents)
    right, bottom = max(e[2] for e in extents), max(e[3] for e in extents)
    return float(left), float(top), float(right - left), float(bottom - top)


def area_of(geometry: Geometry) -> float:
    """The area in pixels, as COCO's `area`: boxes and polygons by their outline (holes taken
    out), masks by their foreground pixels (all slices of a 3D mask), lines and points 0."""
    if isinstance(geometry, Box | RotatedBox):
        return geometry.w * geometry.h
    if isinstance(geometry, Polygon):
        return sum(
            polygon_area(part.outer) - sum(polygon_area(hole) for hole in part.holes)
            for part in geometry.parts
        )
    if isinstance(geometry, Mask):
        return float(sum(rle_counts(geometry.rle)[1::2]))
    if isinstance(geometry, Mask3D):
        return float(sum(sum(rle_counts(part.rle)[1::2]) for part in geometry.slices))
    return 0.0
