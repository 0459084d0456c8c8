"""Annotation shapes: models round-trip, validation rules name the field, RLE is COCO's."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pixelwise.domain import geometry_rings
from pixelwise.domain.errors import InvalidInput
from pixelwise.domain.geometry import (
    EXTENDS_OUTSIDE,
    SELF_INTERSECTING,
    WAS_CLIPPED,
    Box,
    Geometry,
    Keypoint,
    Mask,
    Mask3D,
    Part,
    Points,
    Polygon,
    Polyline,
    Rle,
    RotatedBox,
    SliceMask,
    bbox_of,
    is_self_intersecting,
    parse_geometry,
    polygon_area,
    rle_decode,
    rle_encode,
    rle_from_string,
    rle_to_string,
    validate_geometry,
)

W, H = 100, 80
SQUARE = [(10.0, 10.0), (50.0, 10.0), (50.0, 50.0), (10.0, 50.0)]
SMALL = [(20.0, 20.0), (30.0, 20.0), (30.0, 30.0), (20.0, 30.0)]


def full_rle(value: bool = True, height: int = H, width: int = W) -> Rle:
    return rle_encode(np.full((height, width), value))


def check(geometry: Geometry, **asset: Any) -> tuple[Geometry, list[str]]:
    asset.setdefault("width", W)
    asset.setdefault("height", H)
    return validate_geometry(geometry, **asset)


def rejected_field(geometry: Geometry, **asset: Any) -> str:
    with pytest.raises(InvalidInput) as caught:
        check(geometry, **asset)
    assert "\n" not in caught.value.detail
    field = caught.value.extra["field"]
    assert isinstance(field, str)
    return field


EXAMPLES: list[Geometry] = [
    Box(x=1, y=2, w=3, h=4),
    RotatedBox(cx=50, cy=40, w=10, h=5, angle=30, frame=3),
    Polygon(parts=[Part(outer=SQUARE, holes=[SMALL]), Part(outer=[(60, 60), (70, 60), (65, 70)])]),
    Polyline(points=[(0, 0), (10, 10), (20, 5)], slice=2),
    Points(points=[Keypoint(x=1, y=2), Keypoint(x=0, y=0, visible=0, key="nose")]),
    Mask(rle=full_rle()),
    Mask(rle=Rle(size=(H, W), counts=rle_to_string([10, H * W - 10]))),
    Mask3D(slices=[SliceMask(slice=0, rle=full_rle()), SliceMask(slice=4, rle=full_rle())]),
]


@pytest.mark.parametrize("geometry", EXAMPLES, ids=lambda g: g.type)
def test_every_type_round_trips(geometry: Geometry) -> None:
    assert parse_geometry(geometry.model_dump()) == geometry
    assert parse_geometry(geometry.model_dump(mode="json")) == geometry


def test_parse_names_the_bad_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_geometry({"type": "points", "points": [{"x": 1, "y": "up"}]})
    assert caught.value.extra["field"] == "geometry.points[0].y"
    with pytest.raises(InvalidInput) as caught:
        parse_geometry({"type": "circle"})
    assert caught.value.extra["field"] == "geometry.type"
    with pytest.raises(InvalidInput) as caught:
        parse_geometry({"type": "box", "x": 0, "y": 0, "w": 1, "h": 1, "track_id": "t1"})
    assert caught.value.extra["field"] == "geometry.track_id"
    with pytest.raises(InvalidInput) as caught:
        parse_geometry({"type": "box", "x": float("nan"), "y": 0, "w": 1, "h": 1})
    assert caught.value.extra["field"] == "geometry.x"


@pytest.mark.parametrize(
    ("angle", "normal"), [(0, 0), (180, 180), (-180, 180), (190, -170), (540, 180), (-30, -30)]
)
def test_rotated_box_angle_is_normalised(angle: float, normal: float) -> None:
    assert RotatedBox(cx=1, cy=1, w=1, h=1, angle=angle).angle == pytest.approx(normal)


def test_box_is_clipped_to_the_image() -> None:
    box, flags = check(Box(x=-5, y=70, w=20, h=20))
    assert box == Box(x=0, y=70, w=15, h=10)
    assert flags == [WAS_CLIPPED]
    assert check(Box(x=1, y=1, w=2, h=2)) == (Box(x=1, y=1, w=2, h=2), [])


def test_box_outside_the_image_is_rejected() -> None:
    assert rejected_field(Box(x=W + 5, y=0, w=10, h=10)) == "geometry"
    assert rejected_field(Box(x=-20, y=0, w=20, h=10)) == "geometry"


def test_vertex_within_tolerance_is_clipped() -> None:
    polygon = Polygon(parts=[Part(outer=[(-0.5, 0), (W + 0.9, 0), (W, H + 1.0)])])
    checked, flags = check(polygon)
    assert isinstance(checked, Polygon)
    assert checked.parts[0].outer == [(0, 0), (W, 0), (W, H)]
    assert flags == [WAS_CLIPPED]


def test_vertex_far_outside_is_rejected_with_its_path() -> None:
    outer = [*SQUARE[:3], (10.0, H + 1.5)]
    assert rejected_field(Polygon(parts=[Part(outer=outer)])) == "geometry.parts[0].outer[3]"
    hole = [*SMALL[:2], (-3.0, 5.0)]
    polygon = Polygon(parts=[Part(outer=SQUARE), Part(outer=SQUARE, holes=[SMALL, hole])])
    assert rejected_field(polygon) == "geometry.parts[1].holes[1][2]"
    assert rejected_field(Polyline(points=[(0, 0), (0, -2)])) == "geometry.points[1]"
    points = Points(points=[Keypoint(x=1, y=1), Keypoint(x=500, y=1)])
    assert rejected_field(points) == "geometry.points[1]"


def test_unlabelled_keypoints_are_not_checked() -> None:
    points = Points(points=[Keypoint(x=-50, y=-50, visible=0), Keypoint(x=W + 0.5, y=3)])
    checked, flags = check(points)
    assert isinstance(checked, Points)
    assert checked.points[0].x == -50
    assert checked.points[1].x == W
    assert flags == [WAS_CLIPPED]


def test_rotated_box_centre_and_corners() -> None:
    assert rejected_field(RotatedBox(cx=-2, cy=5, w=4, h=4)) == "geometry.cx"
    assert rejected_field(RotatedBox(cx=5, cy=H + 2, w=4, h=4)) == "geometry.cy"
    assert check(RotatedBox(cx=50, cy=40, w=10, h=10, angle=45))[1] == []
    assert check(RotatedBox(cx=2, cy=40, w=10, h=10, angle=45))[1] == [EXTENDS_OUTSIDE]


def test_rings_need_three_distinct_vertices_and_some_area() -> None:
    closed_twice = [(1.0, 1.0), (5.0, 1.0), (5.0, 1.0), (1.0, 1.0)]
    assert rejected_field(Polygon(parts=[Part(outer=closed_twice)])) == "geometry.parts[0].outer"
    line = [(1.0, 1.0), (5.0, 5.0), (9.0, 9.0), (3.0, 3.0)]
    assert rejected_field(Polygon(parts=[Part(outer=line)])) == "geometry.parts[0].outer"
    flat_hole = Part(outer=SQUARE, holes=[[(20.0, 20.0), (30.0, 20.0), (25.0, 20.0)]])
    assert rejected_field(Polygon(parts=[flat_hole])) == "geometry.parts[0].holes[0]"
    assert rejected_field(Polyline(points=[(3, 3), (3, 3)])) == "geometry.points"


def test_closing_vertex_and_repeats_are_dropped() -> None:
    ring = [SQUARE[0], SQUARE[1], SQUARE[1], SQUARE[2], SQUARE[3], SQUARE[0]]
    checked, flags = check(Polygon(parts=[Part(outer=ring)]))
    assert isinstance(checked, Polygon)
    assert checked.parts[0].outer == SQUARE
    assert flags == []


def test_too_many_vertices_are_rejected() -> None:
    ring = [(float(i % W), float(i % 7)) for i in range(100_001)]
    assert rejected_field(Polygon(parts=[Part(outer=ring)])) == "geometry.parts[0].outer"


def test_bow_tie_is_accepted_and_flagged() -> None:
    bow_tie = [(10.0, 10.0), (40.0, 40.0), (40.0, 10.0), (10.0, 40.0)]
    checked, flags = check(Polygon(parts=[Part(outer=bow_tie)]))
    assert flags == [SELF_INTERSECTING]
    assert isinstance(checked, Polygon)
    assert checked.parts[0].outer == bow_tie


def test_hole_inside_is_accepted_and_outside_rejected() -> None:
    touching = [(10.0, 20.0), (30.0, 20.0), (30.0, 30.0)]  # one vertex on the outer ring
    assert check(Polygon(parts=[Part(outer=SQUARE, holes=[SMALL, touching])]))[1] == []
    sticking_out = [(20.0, 20.0), (60.0, 20.0), (30.0, 30.0)]
    polygon = Polygon(parts=[Part(outer=SQUARE, holes=[SMALL, sticking_out])])
    assert rejected_field(polygon) == "geometry.parts[0].holes[1][1]"


@pytest.mark.parametrize(
    ("ring", "crossing"),
    [
        (SQUARE, False),
        ([(0, 0), (4, 4), (4, 0), (0, 4)], True),  # bow-tie
        ([(0, 0), (4, 0), (4, 4), (2, 0), (0, 4)], True),  # vertex touches an edge
        ([(0, 0), (4, 0), (2, 0), (2, 3)], True),  # folds back over itself
        ([(0, 0), (4, 0), (4, 4), (2, 1), (0, 4)], False),  # concave, simple
        ([(0, 0), (1, 0), (0, 1)], False),
        ([(0, 0), (6, 0), (6, 6), (0, 6), (0, 4), (4, 4), (4, 2), (0, 2)], False),  # C shape
        ([(0, 0), (6, 0), (6, 6), (0, 6), (0, 2), (4, 2), (4, 4), (0, 4)], True),  # overlap
    ],
)
def test_is_self_intersecting(ring: list[tuple[float, float]], crossing: bool) -> None:
    assert is_self_intersecting(ring) is crossing
    assert is_self_intersecting(ring[::-1]) is crossing


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=0, max_size=12),
    st.booleans(),
)
def test_small_rings_are_judged_as_large_ones(points: list[tuple[int, int]], shift: bool) -> None:
    """Rings up to SMALL_RING_VERTICES take a plain-Python path; on a small grid (many
    touching, collinear and repeated vertices) it agrees with the vectorised sweep."""
    ring = [(x + 0.5 * (shift and i % 3 == 0), float(y)) for i, (x, y) in enumerate(points)]
    small = geometry_rings._small_ring(ring)
    assert small is not None
    assert is_self_intersecting(ring) is geometry_rings._sweep_crosses(ring)
    assert geometry_rings._small_ring_crosses(small) is geometry_rings._sweep_crosses(ring)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=8, max_size=8))
def test_small_ring_edge_test_is_the_vectorised_one(values: list[int]) -> None:
    """Two segments on a 4x4 grid (crossing, touching, collinear, apart): the per-pair
    test of small rings says what the vectorised test says."""
    p, q, r, s = (np.array([[float(values[k]), float(values[k + 1])]]) for k in (0, 2, 4, 6))
    expected = geometry_rings._any_crossing(p, q, r, s)
    assert geometry_rings._segments_meet(*(float(v) for v in values)) is expected


def test_self_intersection_of_a_large_simple_ring_is_fast() -> None:
    angles = np.linspace(0, 2 * np.pi, 10_000, endpoint=False)
    circle = np.column_stack((50 + 30 * np.cos(angles), 40 + 30 * np.sin(angles))).tolist()
    assert not is_self_intersecting(circle)


def test_polygon_area_and_bbox() -> None:
    assert polygon_area(SQUARE) == 1600
    assert polygon_area([*SQUARE, SQUARE[0]]) == 1600
    assert polygon_area(SQUARE[::-1]) == 1600
    polygon = Polygon(parts=[Part(outer=SQUARE), Part(outer=[(60, 60), (70, 60), (65, 70)])])
    assert bbox_of(polygon) == (10, 10, 60, 60)
    assert bbox_of(Box(x=1, y=2, w=3, h=4)) == (1, 2, 3, 4)
    assert bbox_of(RotatedBox(cx=10, cy=10, w=4, h=2, angle=90)) == pytest.approx((9, 8, 2, 4))
    points = Points(points=[Keypoint(x=5, y=6), Keypoint(x=0, y=0, visible=0)])
    assert bbox_of(points) == (5, 6, 0, 0)
    mask = np.zeros((H, W), dtype=bool)
    mask[3:7, 10:12] = True
    assert bbox_of(Mask(rle=rle_encode(mask))) == (10, 3, 2, 4)
    assert bbox_of(Mask(rle=full_rle(False))) == (0, 0, 0, 0)


def test_mask_rules() -> None:
    assert check(Mask(rle=full_rle())) == (Mask(rle=full_rle()), [])
    wrong_size = Mask(rle=full_rle(height=W, width=H))
    assert rejected_field(wrong_size) == "geometry.rle.size"
    short = Mask(rle=Rle(size=(H, W), counts=[5, 5]))
    assert rejected_field(short) == "geometry.rle.counts"
    assert rejected_field(Mask(rle=full_rle(False))) == "geometry.rle.counts"
    garbage = Mask(rle=Rle(size=(H, W), counts="abc ~"))
    assert rejected_field(garbage) == "geometry.rle.counts"


def test_mask3d_rules() -> None:
    volume = Mask3D(slices=[SliceMask(slice=0, rle=full_rle()), SliceMask(slice=2, rle=full_rle())])
    assert check(volume, slices=3) == (volume, [])
    assert rejected_field(volume) == "geometry.type"
    assert rejected_field(volume, slices=2) == "geometry.slices[1].slice"
    twice = Mask3D(slices=[SliceMask(slice=1, rle=full_rle()), SliceMask(slice=1, rle=full_rle())])
    assert rejected_field(twice, slices=3) == "geometry.slices[1].slice"
    bad = Mask3D(
        slices=[SliceMask(slice=0, rle=full_rle()), SliceMask(slice=1, rle=full_rle(False))]
    )
    assert rejected_field(bad, slices=3) == "geometry.slices[1].rle.counts"


def test_slice_and_frame_rules() -> None:
    box = Box(x=1, y=1, w=2, h=2)
    assert rejected_field(box, slices=10) == "geometry.slice"
    assert check(box.model_copy(update={"slice": 9}), slices=10)[1] == []
    assert rejected_field(box.model_copy(update={"slice": 10}), slices=10) == "geometry.slice"
    assert rejected_field(box.model_copy(update={"slice": 0})) == "geometry.slice"
    assert rejected_field(box, frames=30) == "geometry.frame"
    assert check(box.model_copy(update={"frame": 29}), frames=30)[1] == []
    assert rejected_field(box.model_copy(update={"frame": 30}), frames=30) == "geometry.frame"
    assert rejected_field(box.model_copy(update={"frame": 0})) == "geometry.frame"
    with pytest.raises(InvalidInput):
        parse_geometry({"type": "box", "x": 0, "y": 0, "w": 1, "h": 1, "slice": -1})


def test_field_prefix_is_configurable() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_geometry(Box(x=500, y=0, w=1, h=1), width=W, height=H, field="items[2].geometry")
    assert caught.value.extra["field"] == "items[2].geometry"


masks = st.tuples(st.integers(1, 17), st.integers(1, 17)).flatmap(
    lambda shape: st.one_of(
        hnp.arrays(np.bool_, shape),
        st.just(np.zeros(shape, dtype=bool)),
        st.just(np.ones(shape, dtype=bool)),
    )
)


@given(masks)
@settings(max_examples=150, deadline=None)
def test_rle_round_trips(mask: np.ndarray[Any, np.dtype[np.bool_]]) -> None:
    rle = rle_encode(mask)
    assert isinstance(rle.counts, list)
    assert rle.size == mask.shape
    assert sum(rle.counts) == mask.size
    assert all(count > 0 for count in rle.counts[1:])
    assert np.array_equal(rle_decode(rle), mask)
    text = rle_to_string(rle.counts)
    assert rle_from_string(text) == rle.counts
    assert np.array_equal(rle_decode(Rle(size=rle.size, counts=text)), mask)


@given(st.lists(st.integers(0, 2**40), max_size=40))
def test_compressed_counts_round_trip(counts: list[int]) -> None:
    assert rle_from_string(rle_to_string(counts)) == counts


def test_rle_is_column_major() -> None:
    mask = np.array([[0, 1, 1], [1, 1, 0]], dtype=bool)
    assert rle_encode(mask) == Rle(size=(2, 3), counts=[1, 4, 1])
    assert rle_encode(np.ones((2, 2), dtype=bool)).counts == [0, 4]


@pytest.mark.parametrize("text", ["\x7f", "0 ", "`", "1a`"])
def test_invalid_compressed_strings_are_rejected(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        rle_from_string(text)
    assert caught.value.extra["field"] == "counts"


def test_matches_pycocotools() -> None:
    coco = pytest.importorskip("pycocotools.mask")
    rng = np.random.default_rng(7)
    shapes = [(1, 1), (3, 5), (17, 2), (64, 33)]
    for height, width in shapes:
        for mask in (rng.random((height, width)) < 0.3, np.zeros((height, width), bool)):
            theirs = coco.encode(np.asfortranarray(mask.astype(np.uint8)))
            ours = rle_encode(mask)
            assert list(theirs["size"]) == list(ours.size)
            assert isinstance(ours.counts, list)
            assert rle_to_string(ours.counts) == theirs["counts"].decode()
            assert rle_from_string(theirs["counts"].decode()) == ours.counts


def test_a_box_inside_the_image_is_kept_bit_for_bit() -> None:
    from pixelwise.domain.geometry import Box, validate_geometry

    box = Box(x=358.79, y=101.3, w=89.36, h=77.7)
    checked, flags = validate_geometry(box, width=640, height=480)
    assert checked == box
    assert flags == []
