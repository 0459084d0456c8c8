"""The native JSON export: everything Pixelwise stores about a project's annotations.

    {"format": "pixelwise", "version": 1, "project": {...}, "instruction": {...},
     "items": [{"id", "asset": {...}, "state", "round", "revision", "object_count",
                "answers", "time_spent", "updated_by", "updated_at",
                "objects": [{"id", "uid", "class", "type", "geometry", "attributes", "source",
                             "model", "score", "z_order", "frame", "slice", "track_id",
                             "flags", "time_spent", "revision", "created_by", "created_at",
                             "updated_by", "updated_at"}],
                "revisions": [{"revision", "request_id", "user_id", "at", "time_spent",
                               "summary", "changes": [{"uid", "op", "data"}]}]}]}

`revisions` is there only when asked for. The JSON columns (geometry, attributes, answers,
...) are copied as the database holds them, as text, without parsing: the export of a
large project costs little more than reading it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

FORMAT_NAME = "pixelwise"
FORMAT_VERSION = 1
DOCUMENT_END = "]}"

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def document_head(project: dict[str, Any], instruction: dict[str, Any] | None) -> str:
    """The document up to the opening of the items array."""
    head = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "project": project,
        "instruction": instruction,
    }
    return _dumps(head)[:-1] + ',"items":['


quote: Callable[[str], str] = json.encoder.encode_basestring
"""A str as a JSON string (the C encoder's, non-ASCII kept as it is)."""


def text(value: str | None) -> str:
    """A JSON string (or null)."""
    return "null" if value is None else quote(value)


def number(value: float | int | None) -> str:
    """A JSON number (or null)."""
    return "null" if value is None else repr(value)


def raw(value: str | None, default: str = "null") -> str:
    """JSON text as stored (an absent value becomes `default`)."""
    return default if value is None else value


# The columns of an object row, in the order `object_text` reads them.
OBJECT_COLUMNS = (
    "id",
    "uid",
    "class_key",
    "geometry_type",
    "geometry",
    "attributes",
    "source",
    "model",
    "score",
    "z_order",
    "frame",
    "slice",
    "track_id",
    "flags",
    "time_spent",
    "revision",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
)


def object_text(row: Sequence[Any]) -> str:
    """One object as JSON; `row` holds the object's work item id, then OBJECT_COLUMNS (JSON
    columns as text, times as ISO 8601 text). Built by one string format, without parsing
    or encoding the JSON columns."""
    (
        _,
        oid,
        uid,
        class_key,
        geometry_type,
        geometry,
        attributes,
        source,
        model,
        score,
        z_order,
        frame,
        slice_,
        track_id,
        flags,
        time_spent,
        revision,
        created_by,
        created_at,
        updated_by,
        updated_at,
    ) = row
    return (
        f'{{"id":{oid},"uid":{quote(uid)},"class":{quote(class_key)},'
        f'"type":{quote(geometry_type)},"geometry":{geometry},'
        f'"attributes":{"{}" if attributes is None else attributes},'
        f'"source":{quote(source)},'
        f'"model":{"null" if model is None else quote(model)},'
        f'"score":{"null" if score is None else repr(score)},"z_order":{z_order},'
        f'"frame":{"null" if frame is None else frame},'
        f'"slice":{"null" if slice_ is None else slice_},'
        f'"track_id":{"null" if track_id is None else quote(track_id)},'
        f'"flags":{"[]" if flags is None else flags},'
        f'"time_spent":{"null" if time_spent is None else repr(time_spent)},'
        f'"revision":{revision},"created_by":{"null" if created_by is None else created_by},'
        f'"created_at":{"null" if created_at is None else quote(created_at)},'
        f'"updated_by":{"null" if updated_by is None else updated_by},'
        f'"updated_at":{"null" if updated_at is None else quote(updated_at)}}}'
    )


# The columns of an item row (with its asset), in the order `item_text` reads them.
ITEM_COLUMNS = (
    "id",
    "state",
    "round",
    "revision",
    "object_count",
    "answers",
    "time_spent",
    "updated_by",
    "updated_at",
    "asset_id",
    "folder",
    "name",
    "kind",
    "width",
    "height",
    "frame_count",
)


def item_text(row: Sequence[Any], objects: Sequence[str], revisions: Sequence[str] | None) -> str:
    """One item as JSON: `row` holds ITEM_COLUMNS, `objects` and `revisions` are JSON texts."""
    (
        iid,
        state,
        round_,
        revision,
        object_count,
        answers,
        time_spent,
        updated_by,
        updated_at,
        asset_id,
        folder,
        name,
        kind,
        width,
        height,
        frame_count,
    ) = row
    asset = (
        f'{{"id":{asset_id},"folder":{text(folder)},"name":{text(name)},"kind":{text(kind)},'
        f'"width":{number(width)},"height":{number(height)},"frame_count":{number(frame_count)}}}'
    )
    history = "" if revisions is None else f',"revisions":[{",".join(revisions)}]'
    return (
        f'{{"id":{iid},"asset":{asset},"state":{text(state)},"round":{round_},'
        f'"revision":{revision},"object_count":{object_count},"answers":{raw(answers, "{}")},'
        f'"time_spent":{number(time_spent)},"updated_by":{number(updated_by)},'
        f'"updated_at":{text(updated_at)},"objects":[{",".join(objects)}]{history}}}'
    )


def revision_text(row: Sequence[Any], changes: Sequence[str]) -> str:
    """One revision: `row` is (revision, request_id, user_id, at, time_spent, summary)."""
    revision, request_id, user_id, at, time_spent, summary = row
    return (
        f'{{"revision":{revision},"request_id":{text(request_id)},"user_id":{number(user_id)},'
        f'"at":{text(at)},"time_spent":{number(time_spent)},"summary":{raw(summary, "{}")},'
        f'"changes":[{",".join(changes)}]}}'
    )


def change_text(row: Sequence[Any]) -> str:
    """One change: `row` is (uid, op, data)."""
    uid, op, data = row
    return f'{{"uid":{text(uid)},"op":{text(op)},"data":{raw(data)}}}'
