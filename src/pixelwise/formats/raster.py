"""Shapes as pixel masks, for the mask export and for COCO's RLE of polygons with holes.

One rule for every area shape: pixel (col, row) belongs to a shape when its centre
(col + 0.5, row + 0.5) lies inside it, by the even-odd rule over the rings of each polygon
part (a hole is a ring inside its outer ring, so the even-odd rule cuts it out; a
self-intersecting ring keeps its lobes filled as COCO's rasteriser does). Parts are joined.
Boxes and rotated boxes are the polygons of their corners; masks decode their RLE. Lines and
points have no area and give no mask.

The rule is the one pycocotools approximates: its masks agree with ours except for some
pixels whose centre lies (almost) on an edge.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from pixelwise.domain.geometry import (
    Box,
    Geometry,
    Mask,
    Mask3D,
    Polygon,
    RotatedBox,
    rle_decode,
    rotated_box_corners,
)

BoolMask = npt.NDArray[np.bool_]

# Rows x edges handled at once when filling a ring (bounds the temporary arrays to ~16 MB).
_CELLS_PER_STEP = 2_000_000


def fill_ring(mask: BoolMask, ring: Sequence[Sequence[float]]) -> None:
    """Flip, in place, the pixels of `mask` whose centre lies inside `ring` (even-odd)."""
    height, width = mask.shape
    points = np.asarray(ring, dtype=np.float64).reshape(-1, 2)
    if len(points) < 3:
        return
    x0, y0 = points[:, 0], points[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    top = max(0, int(np.floor(y0.min() - 0.5)))
    bottom = min(height - 1, int(np.ceil(y0.max())))
    if bottom < top:
        return
    step = max(1, _CELLS_PER_STEP // len(points))
    for first in range(top, bottom + 1, step):
        rows = np.arange(first, min(bottom + 1, first + step))
        centre = rows[:, None] + 0.5
        crosses = (y0 <= centre) != (y1 <= centre)
        with np.errstate(divide="ignore", invalid="ignore"):
            xs = x0 + (centre - y0) / (y1 - y0) * (x1 - x0)
        xs = np.where(crosses, xs, np.inf)
        xs.sort(axis=1)
        if xs.shape[1] % 2:
            xs = np.concatenate([xs, np.full((len(rows), 1), np.inf)], axis=1)
        # Pixel col is inside [a, b) when a <= col + 0.5 < b, so cols ceil(a-.5)..ceil(b-.5)-1.
        starts = np.clip(np.ceil(xs[:, 0::2] - 0.5), 0, width).astype(np.int64)
        ends = np.clip(np.ceil(xs[:, 1::2] - 0.5), 0, width).astype(np.int64)
        diff = np.zeros((len(rows), width + 1), dtype=np.int32)
        index = np.broadcast_to(np.arange(len(rows))[:, None], starts.shape)
        np.add.at(diff, (index, starts), 1)
        np.add.at(diff, (index, ends), -1)
        inside = np.cumsum(diff[:, :width], axis=1) > 0
        mask[rows[0] : rows[-1] + 1] ^= inside


def polygon_mask(
    parts: Sequence[Sequence[Sequence[Sequence[float]]]], height: int, width: int
) -> BoolMask:
    """The mask of a polygon given as parts, each a list of rings (outer ring first)."""
    mask = np.zeros((height, width), dtype=bool)
    for rings in parts:
        part = np.zeros((height, width), dtype=bool)
        for ring in rings:
            fill_ring(part, ring)
        mask |= part
    return mask


def shape_mask(
    geometry: Geometry, height: int, width: int, slice_index: int | None = None
) -> BoolMask | None:
    """The pixels a shape covers on an image of `height` x `width` (for a `Mask3D`, on
    slice `slice_index`); None for shapes without area (polylines, points) and for a
    `Mask3D` that has nothing on that slice."""
    if isinstance(geometry, Box):
        x, y, w, h = geometry.x, geometry.y, geometry.w, geometry.h
        return polygon_mask([[[(x, y), (x + w, y), (x + w, y + h), (x, y + h)]]], height, width)
    if isinstance(geometry, RotatedBox):
        return polygon_mask([[rotated_box_corners(geometry)]], height, width)
    if isinstance(geometry, Polygon):
        parts = [[part.outer, *part.holes] for part in geometry.parts]
        return polygon_mask(parts, height, width)
    if isinstance(geometry, Mask):
        return _sized(rle_decode(geometry.rle), height, width)
    if isinstance(geometry, Mask3D):
        for entry in geometry.slices:
            if entry.slice == slice_index:
                return _sized(rle_decode(entry.rle), height, width)
        return None
    return None


def _sized(mask: BoolMask, height: int, width: int) -> BoolMask:
    """`mask` cut or padded to height x width (the sizes agree for every validated mask)."""
    if mask.shape == (height, width):
        return mask
    out = np.zeros((height, width), dtype=bool)
    h, w = min(height, mask.shape[0]), min(width, mask.shape[1])
    out[:h, :w] = mask[:h, :w]
    return out
