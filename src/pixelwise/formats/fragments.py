"""Export text kept with each object: written when the object is saved, joined at export.

Formatting every number of every object into JSON text is most of what an export costs, and
the database does it slowly (SQLite about 1 µs a number, PostgreSQL converting JSONB to
text). An object's text changes only when the object does, so a save writes it once, into
two columns of `annotation_objects`, and an export joins the stored texts:

- `native_json`: the object as the native JSON export writes it, from `"uid"` to
  `"revision"`, without the braces and without the parts only the row knows after the
  write (`id`, `created_by`, `created_at`, `updated_by`, `updated_at`), which the export
  puts around it: `{"id":<id>,<native_json>,"created_by":...,"updated_at":...}`.
- `coco_json`: the COCO annotation from `"bbox"` to the last field of its `pixelwise`
  object before `object_id`, without `id`, `image_id` and `category_id` (which depend on
  the export's class table and the item) and without the closing braces: the export writes
  `{"id":<id>,"image_id":<item id>,"category_id":<n>,<coco_json>,"object_id":<id>}}`.
  Only shapes whose annotation depends on nothing but the object have one: boxes, rotated
  boxes, polygons without holes and polylines (NULL for the rest: polygons with holes and
  masks are rasterised or encoded for the item's size, points depend on the class's
  skeleton; the export writes those in Python).

Both texts are the same documents `formats.native` and `formats.coco` write (numbers as
Python writes them: the shortest text that reads back as the same float). Whatever writes
`annotation_objects` other than a save must set them or leave them NULL (the export then
builds the object's text from its columns).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from pixelwise.domain.annotations import CheckedObject
from pixelwise.domain.errors import InvalidInput
from pixelwise.domain.geometry import (
    Box,
    Geometry,
    Polygon,
    Polyline,
    RotatedBox,
    area_of,
    bbox_of,
    parse_geometry,
    rotated_box_corners,
)

_dumps: Callable[[Any], str] = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_quote: Callable[[str], str] = json.encoder.encode_basestring
_UNBRACKET = str.maketrans("", "", "[] ")
# A polygon part's outer ring in compact JSON: numbers in brackets, up to the first "]]".
_OUTER = re.compile(r'"outer":(\[\[[-+0-9.eE,\[\] ]*?\]\])')


def _text(value: str | None) -> str:
    return "null" if value is None else _quote(value)


def _float(value: float | None) -> str:
    return "null" if value is None else repr(float(value))


def _int(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def native_text(
    *,
    uid: str,
    class_key: str,
    geometry_type: str,
    geometry: str,
    attributes: str,
    source: str,
    model: str | None,
    score: float | None,
    z_order: int,
    frame: int | None,
    slice_: int | None,
    flags: str,
    time_spent: float,
    revision: int,
) -> str:
    """The stored native text of an object (`geometry`, `attributes`, `flags` as JSON)."""
    return (
        f'"uid":{_quote(uid)},"class":{_quote(class_key)},"type":{_quote(geometry_type)},'
        f'"geometry":{geometry},"attributes":{attributes},"source":{_quote(source)},'
        f'"model":{_text(model)},"score":{_float(score)},"z_order":{int(z_order)},'
        f'"frame":{_int(frame)},"slice":{_int(slice_)},"track_id":null,"flags":{flags},'
        f'"time_spent":{_float(time_spent)},"revision":{int(revision)}'
    )


def _flat(points: Sequence[Sequence[float]]) -> str:
    return ",".join(f"{float(p[0])!r},{float(p[1])!r}" for p in points)


def coco_text(
    shape: Geometry,
    measures: Sequence[float],
    *,
    uid: str,
    class_key: str,
    geometry: str,
    attributes: str,
    source: str,
    model: str | None,
    score: float | None,
    z_order: int,
    frame: int | None,
    slice_: int | None,
    flags: str,
) -> str | None:
    """The stored COCO text of an object (see the module), None for shapes it does not
    cover. `measures` is the object's (x, y, w, h, area) as `bbox_of` and `area_of` give
    them; `geometry` is the shape's JSON."""
    exact = True
    if isinstance(shape, Box):
        x, y, w, h = shape.x, shape.y, shape.w, shape.h
        left, top, right, bottom = repr(x), repr(y), repr(x + w), repr(y + h)
        segmentation = f"[[{left},{top},{right},{top},{right},{bottom},{left},{bottom}]]"
        area = w * h
    elif isinstance(shape, Polygon):
        if any(part.holes for part in shape.parts):
            return None
        # The rings as the geometry's JSON has them (one encoding of the numbers, not two).
        rings = [ring.translate(_UNBRACKET) for ring in _OUTER.findall(geometry)]
        if len(rings) != len(shape.parts):
            rings = [_flat(part.outer) for part in shape.parts]
        segmentation = "[[" + "],[".join(rings) + "]]"
        area = measures[4]
    elif isinstance(shape, RotatedBox):
        segmentation = f"[[{_flat(rotated_box_corners(shape))}]]"
        area = shape.w * shape.h
        exact = False
    elif isinstance(shape, Polyline):
        segmentation = "[]"
        area = 0.0
        exact = False
    else:
        return None
    bx, by, bw, bh = (repr(round(float(v), 3)) for v in measures[:4])
    extra = "" if exact else f',"geometry":{geometry}'
    return (
        f'"bbox":[{bx},{by},{bw},{bh}],"area":{float(area)!r},"iscrowd":0,'
        f'"segmentation":{segmentation},"pixelwise":{{"uid":{_quote(uid)},'
        f'"class":{_quote(class_key)},"type":{_quote(shape.type)},"attributes":{attributes},'
        f'"source":{_quote(source)},"model":{_text(model)},"score":{_float(score)},'
        f'"z_order":{int(z_order)},"flags":{flags},"track_id":null,"frame":{_int(frame)},'
        f'"slice":{_int(slice_)}{extra}'
    )


def saved_texts(checked: CheckedObject, revision: int, time_spent: float) -> tuple[str, str | None]:
    """(native_json, coco_json) of an object a save writes."""
    geometry = _dumps(checked.geometry_json())
    attributes = _dumps(checked.attributes)
    flags = _dumps(list(checked.flags))
    source = checked.source.value
    shape = checked.geometry
    native = native_text(
        uid=checked.uid or "",
        class_key=checked.class_key,
        geometry_type=shape.type,
        geometry=geometry,
        attributes=attributes,
        source=source,
        model=checked.model,
        score=checked.score,
        z_order=checked.z_order,
        frame=checked.frame,
        slice_=checked.slice,
        flags=flags,
        time_spent=time_spent,
        revision=revision,
    )
    coco = coco_text(
        shape,
        checked.measures,
        uid=checked.uid or "",
        class_key=checked.class_key,
        geometry=geometry,
        attributes=attributes,
        source=source,
        model=checked.model,
        score=checked.score,
        z_order=checked.z_order,
        frame=checked.frame,
        slice_=checked.slice,
        flags=flags,
    )
    return native, coco


def stored_texts(row: dict[str, Any]) -> tuple[str | None, str | None]:
    """(native_json, coco_json) of a stored object row (a dict of its columns, JSON columns
    parsed): for objects saved before the texts were kept, and for tools that write rows
    themselves. (None, None) when the row cannot give them (an unreadable geometry, a
    track id)."""
    if row.get("track_id") is not None:
        return None, None
    try:
        shape = parse_geometry(row["geometry"])
    except (InvalidInput, ValueError):  # such a row is exported from its columns
        return None, None
    measures = (*bbox_of(shape), area_of(shape))
    geometry = _dumps(row["geometry"])
    attributes = _dumps(row.get("attributes") or {})
    flags = _dumps(list(row.get("flags") or []))
    common: dict[str, Any] = {
        "uid": row["uid"],
        "class_key": row["class_key"],
        "geometry": geometry,
        "attributes": attributes,
        "source": row["source"],
        "model": row.get("model"),
        "score": row.get("score"),
        "z_order": row.get("z_order") or 0,
        "frame": row.get("frame"),
        "slice_": row.get("slice"),
        "flags": flags,
    }
    native = native_text(
        geometry_type=row["geometry_type"],
        time_spent=row.get("time_spent") or 0.0,
        revision=row["revision"],
        **common,
    )
    if row["geometry_type"] != shape.type:
        return native, None
    return native, coco_text(shape, measures, **common)
