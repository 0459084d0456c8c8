"""Shared geometry vectors: `tests/vectors/geometry.json` holds cases that both the
server (these tests) and the web client's drawing engine (`web/src/engine/vectors.test.ts`)
must answer alike: COCO RLE of small masks and their compressed strings, broken strings,
self-intersecting and degenerate rings, point-in-ring with holes, and the clipping and
refusal rules of `validate_geometry`.

The expected values are the Python implementation's answers (RLE is also checked against
pycocotools). After a deliberate change of a rule, regenerate the file with
`.venv/bin/python tests/test_geometry_vectors.py` and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pycocotools import mask as coco_mask

from pixelwise.domain.errors import InvalidInput
from pixelwise.domain.geometry import (
    Rle,
    is_self_intersecting,
    parse_geometry,
    rle_decode,
    rle_encode,
    rle_from_string,
    rle_to_string,
    validate_geometry,
)
from pixelwise.domain.geometry_rings import is_degenerate, points_in_ring

VECTORS = Path(__file__).parent / "vectors" / "geometry.json"


def _masks() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(7)
    masks = [
        ("empty 3x4", np.zeros((3, 4), dtype=bool)),
        ("full 3x4", np.ones((3, 4), dtype=bool)),
        ("first pixel set", np.eye(1, 5, dtype=bool).reshape(1, 5).repeat(2, axis=0) * False),
        ("checkerboard 5x7", (np.indices((5, 7)).sum(axis=0) % 2).astype(bool)),
        ("random 16x16", rng.random((16, 16)) < 0.3),
        ("random 9x13 dense", rng.random((9, 13)) < 0.8),
    ]
    first = np.zeros((4, 3), dtype=bool)
    first[0, 0] = True
    masks[2] = ("first pixel set", first)
    last = np.zeros((4, 3), dtype=bool)
    last[3, 2] = True
    masks.append(("last pixel set", last))
    block = np.zeros((60, 70), dtype=bool)
    block[5:55, 10:60] = True  # long runs: several 5-bit groups and negative differences
    block[20:30, 30:40] = False
    masks.append(("block with hole 60x70", block))
    wide = np.zeros((1, 2000), dtype=bool)
    wide[0, 1500:] = True
    masks.append(("one row 1x2000", wide))
    return masks


def _rle_cases() -> list[dict[str, Any]]:
    cases = []
    for name, mask in _masks():
        rle = rle_encode(mask)
        counts = list(rle.counts)
        cases.append(
            {
                "name": name,
                "size": list(rle.size),
                "rows": ["".join("1" if v else "0" for v in row) for row in mask],
                "counts": counts,
                "string": rle_to_string(counts),
            }
        )
    return cases


BAD_STRINGS = [
    {"name": "character below '0'", "string": "3/4"},
    {"name": "character above 'o'", "string": "3p"},
    {"name": "cut off in a number", "string": "3" + chr(48 + 0x20)},
    {"name": "negative run", "string": "1" + chr(48 + 0x1F)},
]

RINGS: list[dict[str, Any]] = [
    {"name": "square", "ring": [[0, 0], [4, 0], [4, 4], [0, 4]]},
    {"name": "bow-tie", "ring": [[0, 0], [4, 4], [4, 0], [0, 4]]},
    {"name": "triangle", "ring": [[0, 0], [4, 0], [2, 3]]},
    {"name": "closing vertex repeated", "ring": [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]},
    {"name": "folds back on itself", "ring": [[0, 0], [4, 0], [2, 0], [2, 3]]},
    {"name": "vertex touches an edge", "ring": [[0, 0], [6, 0], [6, 6], [3, 0.0], [0, 6]]},
    {"name": "figure eight", "ring": [[0, 0], [2, 2], [4, 0], [4, 4], [2, 2], [0, 4]]},
    {"name": "concave arrow", "ring": [[0, 0], [10, 5], [0, 10], [4, 5]]},
    {"name": "star crossing", "ring": [[5, 0], [8, 10], [0, 3], [10, 3], [2, 10]]},
    {"name": "collinear", "ring": [[0, 0], [1, 1], [2, 2], [3, 3]]},
    {"name": "nearly collinear", "ring": [[0, 0], [10, 0], [20, 1e-9]]},
    {"name": "consecutive repeats", "ring": [[0, 0], [0, 0], [5, 0], [5, 5], [5, 5], [0, 5]]},
    {
        "name": "spiral no crossing",
        "ring": [
            [0, 0],
            [10, 0],
            [10, 10],
            [2, 10],
            [2, 4],
            [6, 4],
            [6, 6],
            [4, 6],
            [4, 8],
            [8, 8],
            [8, 2],
            [0, 2],
        ],
    },
    {"name": "float coordinates", "ring": [[0.1, 0.2], [7.3, 0.25], [3.3, 5.5], [3.3, -1.0]]},
]

POINT_CASES: list[dict[str, Any]] = [
    {
        "name": "square with a square hole",
        "outer": [[0, 0], [10, 0], [10, 10], [0, 10]],
        "holes": [[[3, 3], [7, 3], [7, 7], [3, 7]]],
        "points": [
            [1, 1],
            [5, 5],
            [0, 5],
            [10, 10],
            [3, 5],
            [11, 5],
            [-0.5, 0],
            [7, 7.5],
            [9.999, 9.999],
            [5, 10],
        ],
    },
    {
        "name": "concave outer, two holes",
        "outer": [[0, 0], [20, 0], [20, 20], [10, 8], [0, 20]],
        "holes": [[[2, 2], [5, 2], [5, 5]], [[14, 2], [18, 2], [16, 6]]],
        "points": [
            [10, 15],
            [10, 5],
            [3, 2.5],
            [4.5, 3],
            [16, 3],
            [16, 7],
            [10, 8],
            [1, 19],
            [15, 14],
            [2, 2],
        ],
    },
    {
        "name": "bow-tie (even-odd)",
        "outer": [[0, 0], [4, 4], [4, 0], [0, 4]],
        "holes": [],
        "points": [[1, 2], [3, 2], [2, 1], [2, 2], [2, 3.5]],
    },
]


def _inside(point: list[float], outer: Any, holes: Any) -> bool:
    """Inside the outer ring (boundary included) and in no hole (a hole's boundary is the
    polygon's boundary, so it counts as outside)."""
    if not bool(points_in_ring([point], outer)[0]):
        return False
    return not any(bool(points_in_ring([point], hole)[0]) for hole in holes)


W, H = 20, 10

GEOMETRIES: list[dict[str, Any]] = [
    {"name": "box inside", "geometry": {"type": "box", "x": 1.5, "y": 2, "w": 3.25, "h": 4}},
    {
        "name": "box over the right edge",
        "geometry": {"type": "box", "x": 15, "y": 2, "w": 10, "h": 4},
    },
    {"name": "box from negative", "geometry": {"type": "box", "x": -3, "y": -2, "w": 5, "h": 5}},
    {"name": "box outside", "geometry": {"type": "box", "x": 21, "y": 2, "w": 3, "h": 3}},
    {
        "name": "box touching the edge only",
        "geometry": {"type": "box", "x": 20, "y": 0, "w": 2, "h": 2},
    },
    {
        "name": "rotated box inside",
        "geometry": {"type": "rotated_box", "cx": 10, "cy": 5, "w": 4, "h": 2, "angle": 30},
    },
    {
        "name": "rotated box corners outside",
        "geometry": {"type": "rotated_box", "cx": 10, "cy": 5, "w": 18, "h": 4, "angle": 45},
    },
    {
        "name": "rotated box centre clipped",
        "geometry": {"type": "rotated_box", "cx": 20.5, "cy": 5, "w": 2, "h": 2, "angle": 0},
    },
    {
        "name": "rotated box centre too far",
        "geometry": {"type": "rotated_box", "cx": 5, "cy": -1.5, "w": 2, "h": 2, "angle": 0},
    },
    {
        "name": "polygon inside",
        "geometry": {
            "type": "polygon",
            "parts": [{"outer": [[1, 1], [5, 1], [5, 5]], "holes": []}],
        },
    },
    {
        "name": "polygon vertex clipped",
        "geometry": {
            "type": "polygon",
            "parts": [{"outer": [[1, 1], [20.75, 1], [5, -0.5]], "holes": []}],
        },
    },
    {
        "name": "polygon vertex too far",
        "geometry": {
            "type": "polygon",
            "parts": [{"outer": [[1, 1], [5, 1], [5, -1.5]], "holes": []}],
        },
    },
    {
        "name": "polygon bow-tie flagged",
        "geometry": {
            "type": "polygon",
            "parts": [{"outer": [[0, 0], [4, 4], [4, 0], [0, 4]], "holes": []}],
        },
    },
    {
        "name": "polygon collinear refused",
        "geometry": {
            "type": "polygon",
            "parts": [{"outer": [[0, 0], [1, 1], [2, 2]], "holes": []}],
        },
    },
    {
        "name": "polygon two distinct vertices",
        "geometry": {
            "type": "polygon",
            "parts": [{"outer": [[0, 0], [1, 1], [1, 1], [0, 0]], "holes": []}],
        },
    },
    {
        "name": "polygon tidied",
        "geometry": {
            "type": "polygon",
            "parts": [{"outer": [[0, 0], [0, 0], [6, 0], [6, 6], [0, 0]], "holes": []}],
        },
    },
    {
        "name": "polygon hole inside",
        "geometry": {
            "type": "polygon",
            "parts": [
                {"outer": [[0, 0], [10, 0], [10, 10], [0, 10]], "holes": [[[2, 2], [4, 2], [4, 4]]]}
            ],
        },
    },
    {
        "name": "polygon hole on the boundary",
        "geometry": {
            "type": "polygon",
            "parts": [
                {"outer": [[0, 0], [10, 0], [10, 10], [0, 10]], "holes": [[[0, 2], [4, 2], [4, 4]]]}
            ],
        },
    },
    {
        "name": "polygon hole outside",
        "geometry": {
            "type": "polygon",
            "parts": [
                {
                    "outer": [[0, 0], [10, 0], [10, 10], [0, 10]],
                    "holes": [[[2, 2], [4, 2], [12, 4]]],
                }
            ],
        },
    },
    {
        "name": "polygon second part bad",
        "geometry": {
            "type": "polygon",
            "parts": [
                {"outer": [[0, 0], [3, 0], [3, 3]], "holes": []},
                {"outer": [[5, 5], [6, 5], [30, 5]], "holes": []},
            ],
        },
    },
    {
        "name": "polyline tidied",
        "geometry": {"type": "polyline", "points": [[1, 1], [1, 1], [4, 5], [-0.25, 5]]},
    },
    {"name": "polyline one point", "geometry": {"type": "polyline", "points": [[1, 1], [1, 1]]}},
    {
        "name": "points clipped and unlabelled",
        "geometry": {
            "type": "points",
            "points": [
                {"x": 20.5, "y": 3, "visible": 2},
                {"x": 500, "y": -40, "visible": 0, "key": "nose"},
                {"x": 2, "y": 3, "visible": 1, "key": "eye"},
            ],
        },
    },
    {
        "name": "points too far",
        "geometry": {
            "type": "points",
            "points": [{"x": 2, "y": 3, "visible": 2}, {"x": 2, "y": 12, "visible": 1}],
        },
    },
]


def _mask_geometries() -> list[dict[str, Any]]:
    mask = np.zeros((H, W), dtype=bool)
    mask[2:5, 3:9] = True
    counts = list(rle_encode(mask).counts)
    string = rle_to_string(counts)
    empty = list(rle_encode(np.zeros((H, W), dtype=bool)).counts)
    return [
        {
            "name": "mask counts",
            "geometry": {"type": "mask", "rle": {"size": [H, W], "counts": counts}},
        },
        {
            "name": "mask string",
            "geometry": {"type": "mask", "rle": {"size": [H, W], "counts": string}},
        },
        {
            "name": "mask wrong size",
            "geometry": {"type": "mask", "rle": {"size": [W, H], "counts": counts}},
        },
        {
            "name": "mask short counts",
            "geometry": {"type": "mask", "rle": {"size": [H, W], "counts": counts[:-1]}},
        },
        {
            "name": "mask empty",
            "geometry": {"type": "mask", "rle": {"size": [H, W], "counts": empty}},
        },
        {
            "name": "mask bad string",
            "geometry": {"type": "mask", "rle": {"size": [H, W], "counts": "3" + chr(48 + 0x20)}},
        },
    ]


def _validate(case: dict[str, Any]) -> dict[str, Any]:
    geometry = parse_geometry(case["geometry"])
    try:
        checked, flags = validate_geometry(geometry, width=W, height=H)
    except InvalidInput as error:
        return {**case, "error": error.extra["field"]}
    result = checked.model_dump(mode="json", exclude_none=True)
    return {**case, "result": result, "flags": flags}


def build_vectors() -> dict[str, Any]:
    """Every case with the Python implementation's answer."""
    bad = []
    for case in BAD_STRINGS:
        try:
            rle_from_string(case["string"])
        except InvalidInput:
            bad.append({**case, "error": True})
        else:  # pragma: no cover - a case that no longer fails is a mistake in the list
            raise AssertionError(case["name"])
    rings = [
        {
            **case,
            "self_intersecting": is_self_intersecting(case["ring"]),
            "degenerate": is_degenerate(case["ring"]),
        }
        for case in RINGS
    ]
    points = [
        {
            **case,
            "in_outer": [bool(v) for v in points_in_ring(case["points"], case["outer"])],
            "inside": [_inside(p, case["outer"], case["holes"]) for p in case["points"]],
        }
        for case in POINT_CASES
    ]
    return {
        "about": "Generated by tests/test_geometry_vectors.py from pixelwise.domain.geometry; "
        "read by web/src/engine/vectors.test.ts.",
        "image": {"width": W, "height": H},
        "rle": _rle_cases(),
        "bad_rle_strings": bad,
        "rings": rings,
        "point_in_polygon": points,
        "validate": [_validate(c) for c in [*GEOMETRIES, *_mask_geometries()]],
    }


def _dump(vectors: dict[str, Any]) -> str:
    return json.dumps(vectors, indent=1) + "\n"


def _stored() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTORS.read_text())
    return data


def test_vectors_file_is_what_the_server_answers() -> None:
    assert _stored() == json.loads(_dump(build_vectors()))


BUILT = build_vectors()


@pytest.mark.parametrize("case", BUILT["rle"], ids=lambda c: c["name"])
def test_rle_case_matches_pycocotools(case: dict[str, Any]) -> None:
    pixels = np.array([[c == "1" for c in row] for row in case["rows"]], dtype=bool)
    assert list(rle_encode(pixels).counts) == case["counts"]
    assert rle_from_string(case["string"]) == case["counts"]
    decoded = rle_decode(Rle(size=tuple(case["size"]), counts=case["string"]))
    assert np.array_equal(decoded, pixels)
    coco = coco_mask.encode(np.asfortranarray(pixels.astype(np.uint8)))
    assert coco["counts"].decode("ascii") == case["string"]
    assert list(coco["size"]) == case["size"]
    assert np.array_equal(coco_mask.decode(coco).astype(bool), pixels)


@pytest.mark.parametrize("case", BUILT["bad_rle_strings"], ids=lambda c: c["name"])
def test_bad_rle_strings_are_refused(case: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        rle_from_string(case["string"])


@pytest.mark.parametrize(
    "case", _stored()["validate"] if VECTORS.exists() else [], ids=lambda c: c["name"]
)
def test_stored_validate_case(case: dict[str, Any]) -> None:
    assert _validate({"name": case["name"], "geometry": case["geometry"]}) == case


def test_vectors_cover_every_rule() -> None:
    vectors = _stored()
    flags = {flag for case in vectors["validate"] for flag in case.get("flags", [])}
    assert flags == {"clipped", "extends_outside", "self_intersecting"}
    assert sum("error" in case for case in vectors["validate"]) >= 10
    assert {c["self_intersecting"] for c in vectors["rings"]} == {True, False}
    assert any(len(c["string"]) > len(c["counts"]) for c in vectors["rle"])


if __name__ == "__main__":
    VECTORS.write_text(_dump(build_vectors()))
