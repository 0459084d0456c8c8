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
from collections.abc import Sequence
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


def text(value: str | None) -> str:
    """A JSON string (or null)."""
    return "null" if value is None else _dumps(value)


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
    """One object as JSON; `row` holds OBJECT_COLUMNS (JSON columns as text, times as ISO
    8601 text)."""
    (
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
        f'{{"id":{oid},"uid":{text(uid)},"class":{text(class_key)},'
        f'"type":{text(geometry_type)},"geometry":{raw(geometry)},'
        f'"attributes":{raw(attributes, "{}")},"source":{text(source)},"model":{text(model)},'
        f'"score":{number(score)},"z_order":{z_order},"frame":{number(frame)},'
        f'"slice":{number(slice_)},"track_id":{text(track_id)},"flags":{raw(flags, "[]")},'
        f'"time_spent":{number(time_spent)},"revision":{revision},'
        f'"created_by":{number(created_by)},"created_at":{text(created_at)},'
        f'"updated_by":{number(updated_by)},"updated_at":{text(updated_at)}}}'
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
