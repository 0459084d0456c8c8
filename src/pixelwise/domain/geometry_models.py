"""The shapes an annotation can have, as frozen pydantic models.

Coordinates are absolute pixels of the original asset: origin at the top-left corner,
x to the right, y down, floats. An image of `width` x `height` pixels spans
[0, width] x [0, height]; pixel (col, row) covers [col, col + 1] x [row, row + 1].

Every shape carries `frame` (video: the frame index it lies on) and, except `Mask3D`,
`slice` (DICOM: the slice index it lies on). A 3D mask is either several `Mask`s, one
per slice, or one `Mask3D` that lists its slices. A `track_id: str | None` that links
shapes across frames is planned; it is not accepted yet (unknown fields are rejected).

`Geometry` is a discriminated union on `type`; `parse_geometry` reads one from JSON-like
data and reports the first problem as `InvalidInput` with the field path.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from pixelwise.domain.errors import InvalidInput

Point = tuple[float, float]
"""An [x, y] vertex in pixels."""

Ring = list[Point]
"""A closed polygon boundary; the last vertex joins the first (repeating it is allowed)."""

Index = Annotated[int, Field(ge=0)]
Count = Annotated[int, Field(ge=0)]
Side = Annotated[int, Field(ge=1)]


class _Shape(BaseModel):
    """Settings and fields every shape shares."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    frame: Index | None = None


class _PlanarShape(_Shape):
    """A shape that lies on one DICOM slice (or on the only plane of an image)."""

    slice: Index | None = None


class Box(_PlanarShape):
    """An axis-aligned rectangle: top-left corner (x, y), width w and height h."""

    type: Literal["box"] = "box"
    x: float
    y: float
    w: float = Field(gt=0)
    h: float = Field(gt=0)


class RotatedBox(_PlanarShape):
    """A rectangle of size w x h centred on (cx, cy), turned `angle` degrees clockwise
    (on screen, y down); the angle is normalised to (-180, 180]."""

    type: Literal["rotated_box"] = "rotated_box"
    cx: float
    cy: float
    w: float = Field(gt=0)
    h: float = Field(gt=0)
    angle: float = 0.0

    @field_validator("angle")
    @classmethod
    def _normalise_angle(cls, angle: float) -> float:
        turned = math.fmod(angle, 360.0)
        if turned <= -180.0:
            turned += 360.0
        elif turned > 180.0:
            turned -= 360.0
        return turned


class Part(BaseModel):
    """One connected piece of a polygon: an outer ring and the holes cut out of it."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    outer: Ring
    holes: list[Ring] = Field(default_factory=list)


class Polygon(_PlanarShape):
    """An area made of one or more parts (for example an object split by an occluder)."""

    type: Literal["polygon"] = "polygon"
    parts: list[Part] = Field(min_length=1)


class Polyline(_PlanarShape):
    """An open line through at least two points (a lane marking, a vessel centre line)."""

    type: Literal["polyline"] = "polyline"
    points: list[Point] = Field(min_length=2)


class Keypoint(BaseModel):
    """A point of a `Points` shape. `visible` follows COCO: 0 not labelled (x, y are
    ignored), 1 labelled but hidden, 2 labelled and visible. `key` names the point in a
    skeleton ("left_wrist")."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    x: float
    y: float
    visible: Literal[0, 1, 2] = 2
    key: str | None = None


class Points(_PlanarShape):
    """Loose points, or the keypoints of a skeleton in the order its template lists."""

    type: Literal["points"] = "points"
    points: list[Keypoint] = Field(min_length=1)


class Rle(BaseModel):
    """A binary mask as COCO run-length encoding: `size` is [height, width]; `counts`
    alternates runs of 0 and 1 pixels (starting with 0) in column-major order, either as
    a list of ints or as COCO's compressed string."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    size: tuple[Side, Side]
    counts: list[Count] | str


class Mask(_PlanarShape):
    """A pixel mask of the whole asset plane (one slice of a DICOM series)."""

    type: Literal["mask"] = "mask"
    rle: Rle


class SliceMask(BaseModel):
    """The mask of one slice of a `Mask3D`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slice: Index
    rle: Rle


class Mask3D(_Shape):
    """A volume mask of a DICOM series, given slice by slice (slices without any
    foreground may be left out)."""

    type: Literal["mask3d"] = "mask3d"
    slices: list[SliceMask] = Field(min_length=1)


Geometry = Annotated[
    Box | RotatedBox | Polygon | Polyline | Points | Mask | Mask3D,
    Field(discriminator="type"),
]
"""Any annotation shape; JSON objects pick their model by `type`."""

GEOMETRY_TYPES = ("box", "rotated_box", "polygon", "polyline", "points", "mask", "mask3d")

_ADAPTER: TypeAdapter[Geometry] = TypeAdapter(Geometry)
_TAG_ERRORS = {"union_tag_invalid", "union_tag_not_found"}


def parse_geometry(data: object, *, field: str = "geometry") -> Geometry:
    """The shape that JSON-like `data` describes; InvalidInput naming the first bad field
    (`geometry.parts[0].outer[3]`) otherwise. Checks types only: see `validate_geometry`
    for the rules that need the asset's size."""
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        loc = list(first["loc"])
        if loc and first["type"] not in _TAG_ERRORS:
            loc = loc[1:]  # the first element is the `type` tag that picked the model
        path = field + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
        if first["type"] in _TAG_ERRORS:
            path = f"{field}.type"
            message = f"type must be one of {', '.join(GEOMETRY_TYPES)}"
        else:
            message = first["msg"]
        raise InvalidInput(f"{path}: {message}.", field=path) from None
