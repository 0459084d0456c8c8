"""Plane geometry of polygon rings: area, self-intersection, point-in-polygon.

A ring is a sequence of [x, y] vertices; the last one joins the first, and a repeated
closing vertex is tolerated. Tests are exact in floating point (no epsilon) except the
degenerate-ring test, which treats vertices within `COLLINEAR_TOLERANCE` pixels of one
line as collinear.

`is_self_intersecting` compares segment pairs whose x ranges overlap (segments sorted by
their left end): fast for drawn shapes, O(n^2) at worst, which is why rings are limited to
`MAX_RING_VERTICES` vertices. Rings of up to `SMALL_RING_VERTICES` vertices (most drawn
shapes) are tested in plain Python instead: NumPy's fixed cost per call is larger than the
whole test there. Both ways do the same float operations in the same order, so they agree
exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

MAX_RING_VERTICES = 10_000  # the worst case (a star) is checked in about 3 s
COLLINEAR_TOLERANCE = 1e-6
SMALL_RING_VERTICES = 64

Coords = npt.NDArray[np.float64]


def _array(ring: Sequence[Sequence[float]]) -> Coords:
    """The ring as an (n, 2) float array without a repeated closing vertex."""
    points = np.asarray(ring, dtype=np.float64).reshape(-1, 2)
    if len(points) > 1 and np.array_equal(points[0], points[-1]):
        points = points[:-1]
    return points


def polygon_area(ring: Sequence[Sequence[float]]) -> float:
    """The area enclosed by `ring` (shoelace formula, absolute value). For a
    self-intersecting ring this is the net area: lobes drawn in opposite directions
    subtract from each other."""
    points = _array(ring)
    if len(points) < 3:
        return 0.0
    x, y = points[:, 0], points[:, 1]
    twice = np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))
    return abs(float(twice)) / 2.0


def is_degenerate(ring: Sequence[Sequence[float]]) -> bool:
    """True when the ring encloses no area at all: all its vertices lie on one line."""
    points = _array(ring)
    if len(points) < 3:
        return True
    offsets = points - points[0]
    lengths = np.hypot(offsets[:, 0], offsets[:, 1])
    far = int(np.argmax(lengths))
    if lengths[far] == 0.0:
        return True
    direction = offsets[far] / lengths[far]
    distances = np.abs(offsets[:, 0] * direction[1] - offsets[:, 1] * direction[0])
    return bool(np.all(distances <= COLLINEAR_TOLERANCE))


def _orient(
    ax: Coords, ay: Coords, bx: Coords, by: Coords, cx: Coords, cy: Coords
) -> npt.NDArray[np.int8]:
    """Sign of the turn a -> b -> c: 1 counter-clockwise, -1 clockwise, 0 collinear."""
    cross = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
    return np.sign(cross).astype(np.int8)


def _between(a: Coords, b: Coords, c: Coords) -> npt.NDArray[np.bool_]:
    """Whether c lies within the closed range spanned by a and b (one axis)."""
    return (np.minimum(a, b) <= c) & (c <= np.maximum(a, b))


def is_self_intersecting(ring: Sequence[Sequence[float]]) -> bool:
    """True when two edges of the ring cross or touch anywhere except at the vertex that
    neighbouring edges share, or when neighbouring edges fold back over each other."""
    if len(ring) <= SMALL_RING_VERTICES:
        small = _small_ring(ring)
        if small is not None:
            return _small_ring_crosses(small)
    return _sweep_crosses(ring)


def _sweep_crosses(ring: Sequence[Sequence[float]]) -> bool:
    """`is_self_intersecting`, vectorised with NumPy (for rings of any size)."""
    points = _array(ring)
    keep = np.ones(len(points), dtype=bool)
    keep[1:] = np.any(points[1:] != points[:-1], axis=1)  # drop zero-length edges
    points = points[keep]
    n = len(points)
    if n < 3:
        return False
    start, end = points, np.roll(points, -1, axis=0)
    # Neighbouring edges meet at a vertex; they overlap only if the ring turns back.
    before, after = np.roll(points, 1, axis=0) - points, end - points
    folded = (before[:, 0] * after[:, 1] - before[:, 1] * after[:, 0] == 0) & (
        np.sum(before * after, axis=1) > 0
    )
    if bool(np.any(folded)):
        return True
    if n == 3:
        return False
    left = np.minimum(start[:, 0], end[:, 0])
    right = np.maximum(start[:, 0], end[:, 0])
    order = np.argsort(left, kind="stable")
    # Sweep along x: edge order[k] can only meet the edges order[k+1 : reach[k]], whose
    # x-ranges start before it ends. The candidate pairs are tested in vectorised blocks.
    reach = np.searchsorted(left[order], right[order], side="right")
    counts = np.maximum(reach - np.arange(n) - 1, 0)
    total = int(counts.sum())
    if total == 0:
        return False
    firsts = np.cumsum(counts) - counts
    for block in range(0, total, _PAIR_BLOCK):
        index = np.arange(block, min(total, block + _PAIR_BLOCK))
        k = np.searchsorted(firsts, index, side="right") - 1
        m = k + 1 + (index - firsts[k])
        i, j = order[k], order[m]
        gap = np.abs(i - j)
        near = (gap == 1) | (gap == n - 1)
        i, j = i[~near], j[~near]
        if i.size and _any_crossing(start[i], end[i], start[j], end[j]):
            return True
    return False


def _small_ring(ring: Sequence[Sequence[float]]) -> list[tuple[float, float]] | None:
    """The ring as float pairs without a closing repeat nor zero-length edges (as
    `is_self_intersecting` cleans it), or None when a value is not a finite number or a
    vertex is not a pair (then the NumPy path decides, as for large rings)."""
    points: list[tuple[float, float]] = []
    for vertex in ring:
        if len(vertex) != 2:
            return None
        x, y = float(vertex[0]), float(vertex[1])
        if not (math.isfinite(x) and math.isfinite(y)):
            return None
        points.append((x, y))
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    return [p for k, p in enumerate(points) if k == 0 or p != points[k - 1]]


def _small_ring_crosses(points: list[tuple[float, float]]) -> bool:
    """`is_self_intersecting` of a cleaned ring, one edge pair at a time."""
    n = len(points)
    if n < 3:
        return False
    for k in range(n):
        (px, py), (x, y), (nx, ny) = points[k - 1], points[k], points[(k + 1) % n]
        bx, by, ax, ay = px - x, py - y, nx - x, ny - y
        if bx * ay - by * ax == 0 and bx * ax + by * ay > 0:
            return True  # folded back over the previous edge
    if n == 3:
        return False
    # Each edge with its bounding box; two edges can only meet where their boxes do.
    edges = []
    for k in range(n):
        (px, py), (qx, qy) = points[k], points[(k + 1) % n]
        edges.append((px, py, qx, qy, min(px, qx), max(px, qx), min(py, qy), max(py, qy)))
    for i in range(n - 2):
        px, py, qx, qy, left, right, bottom, top = edges[i]
        for j in range(i + 2, n if i else n - 1):  # not the edge itself nor its neighbours
            rx, ry, sx, sy, left2, right2, bottom2, top2 = edges[j]
            if left2 > right or right2 < left or bottom2 > top or top2 < bottom:
                continue
            if _segments_meet(px, py, qx, qy, rx, ry, sx, sy):
                return True
    return False


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)


def _turn(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> int:
    """`_orient` of one triple of points."""
    return _sign((bx - ax) * (cy - ay) - (by - ay) * (cx - ax))


def _within(a: float, b: float, c: float) -> bool:
    return min(a, b) <= c <= max(a, b)


def _segments_meet(
    px: float, py: float, qx: float, qy: float, rx: float, ry: float, sx: float, sy: float
) -> bool:
    """`_any_crossing` of one pair of segments."""
    o1, o2 = _turn(px, py, qx, qy, rx, ry), _turn(px, py, qx, qy, sx, sy)
    o3, o4 = _turn(rx, ry, sx, sy, px, py), _turn(rx, ry, sx, sy, qx, qy)
    if o1 * o2 < 0 and o3 * o4 < 0:
        return True
    return (
        (o1 == 0 and _within(px, qx, rx) and _within(py, qy, ry))
        or (o2 == 0 and _within(px, qx, sx) and _within(py, qy, sy))
        or (o3 == 0 and _within(rx, sx, px) and _within(ry, sy, py))
        or (o4 == 0 and _within(rx, sx, qx) and _within(ry, sy, qy))
    )


_PAIR_BLOCK = 1 << 18  # candidate edge pairs tested at once (bounds the memory used)


def _any_crossing(p: Coords, q: Coords, r: Coords, s: Coords) -> bool:
    """Whether any segment p[k]-q[k] meets its partner r[k]-s[k] (touching counts)."""
    px, py, qx, qy = p[:, 0], p[:, 1], q[:, 0], q[:, 1]
    rx, ry, sx, sy = r[:, 0], r[:, 1], s[:, 0], s[:, 1]
    o1 = _orient(px, py, qx, qy, rx, ry)
    o2 = _orient(px, py, qx, qy, sx, sy)
    o3 = _orient(rx, ry, sx, sy, px, py)
    o4 = _orient(rx, ry, sx, sy, qx, qy)
    proper = (o1 * o2 < 0) & (o3 * o4 < 0)
    touch = (
        ((o1 == 0) & _between(px, qx, rx) & _between(py, qy, ry))
        | ((o2 == 0) & _between(px, qx, sx) & _between(py, qy, sy))
        | ((o3 == 0) & _between(rx, sx, px) & _between(ry, sy, py))
        | ((o4 == 0) & _between(rx, sx, qx) & _between(ry, sy, qy))
    )
    return bool(np.any(proper | touch))


def points_in_ring(
    points: Sequence[Sequence[float]], ring: Sequence[Sequence[float]]
) -> npt.NDArray[np.bool_]:
    """For each point, whether it lies inside `ring` or on its boundary (even-odd rule)."""
    queries = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    vertices = _array(ring)
    ax, ay = vertices[:, 0], vertices[:, 1]
    bx, by = np.roll(ax, -1), np.roll(ay, -1)
    result = np.zeros(len(queries), dtype=bool)
    for index, (x, y) in enumerate(queries):
        cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax)
        on_edge = (cross == 0) & _between(ax, bx, np.full_like(ax, x))
        on_edge &= _between(ay, by, np.full_like(ay, y))
        if bool(np.any(on_edge)):
            result[index] = True
            continue
        spans = (ay > y) != (by > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = ax + (y - ay) * (bx - ax) / (by - ay)
        result[index] = bool(np.count_nonzero(spans & (x < at)) % 2)
    return result
