"""The parts of an export: read one chunk of items with plain SQL, write it as one blob.

An export is written as numbered parts under `exports/<job id>/` in the blob store, each
holding up to `PART_ITEMS` items in id order, and a manifest (`manifest.json`) rewritten
after every part: what the export is (format, project, instruction, classes), how far it
got (the last item id written, counters of the COCO ids handed out) and each complete part
with its size, item and object counts and the byte ranges of its sections. A part is a
complete document of its own (a JSON or COCO document, a zip of PNGs), so it can be
downloaded while the export still runs; the whole export is assembled from the parts'
sections at download time (`export_assembly`).

Rows are read as columns, never as ORM objects, and JSON columns as text: the native
format copies them into its output without parsing them.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Text, cast, func, literal_column, select
from sqlalchemy.orm import Session

from pixelwise.db.models import (
    AnnotationChange,
    AnnotationObject,
    AnnotationRevision,
    Asset,
    WorkItem,
)
from pixelwise.domain.item_filter import ItemFilter
from pixelwise.formats import coco, masks, native
from pixelwise.formats.items import ClassTable, ExportItem, ExportObject
from pixelwise.services.item_query import item_condition
from pixelwise.storage.blobs import BlobStore

PART_ITEMS = 1000
MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


def prefix(job_id: int) -> str:
    """The storage folder of an export's files."""
    return f"exports/{job_id}/"


def part_name(number: int, format_name: str) -> str:
    return f"part-{number:05d}.{'zip' if format_name == 'masks' else 'json'}"


def read_manifest(blobs: BlobStore, job_id: int) -> dict[str, Any] | None:
    """The export's manifest, or None before its first attempt wrote one."""
    key = prefix(job_id) + MANIFEST
    if not blobs.exists(key):
        return None
    with blobs.open(key) as stream:
        data: dict[str, Any] = json.loads(stream.read())
    return data


def write_manifest(blobs: BlobStore, job_id: int, manifest: dict[str, Any]) -> None:
    """Replace the manifest (blob puts are atomic: readers see the old or the new one)."""
    data = json.dumps(manifest, ensure_ascii=False, separators=(",", ":")).encode()
    blobs.put(prefix(job_id) + MANIFEST, io.BytesIO(data))


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


_ITEM_COLUMNS = (
    WorkItem.id,
    WorkItem.state,
    WorkItem.round,
    WorkItem.revision,
    WorkItem.object_count,
    cast(WorkItem.answers, Text),
    WorkItem.time_spent,
    WorkItem.updated_by,
    WorkItem.updated_at,
    Asset.id,
    Asset.folder,
    Asset.name,
    Asset.kind,
    Asset.width,
    Asset.height,
    Asset.frame_count,
)
_OBJECT_COLUMNS = (
    AnnotationObject.work_item_id,
    AnnotationObject.id,
    AnnotationObject.uid,
    AnnotationObject.class_key,
    AnnotationObject.geometry_type,
    cast(AnnotationObject.geometry, Text),
    cast(AnnotationObject.attributes, Text),
    AnnotationObject.source,
    AnnotationObject.model,
    AnnotationObject.score,
    AnnotationObject.z_order,
    AnnotationObject.frame,
    AnnotationObject.slice,
    AnnotationObject.track_id,
    cast(AnnotationObject.flags, Text),
    AnnotationObject.time_spent,
    AnnotationObject.revision,
    AnnotationObject.created_by,
    AnnotationObject.created_at,
    AnnotationObject.updated_by,
    AnnotationObject.updated_at,
)


def items_query(project_id: int, node: ItemFilter | None, dialect: str) -> Select[*tuple[Any, ...]]:
    """Items of the project that match the filter, with their asset, in id order."""
    return (
        select(*_ITEM_COLUMNS)
        .join(Asset, Asset.id == WorkItem.asset_id)
        .where(WorkItem.project_id == project_id, item_condition(node, dialect))
        .order_by(WorkItem.id)
    )


def count_items(session: Session, project_id: int, node: ItemFilter | None, dialect: str) -> int:
    query = (
        select(func.count())
        .select_from(WorkItem)
        .where(WorkItem.project_id == project_id, item_condition(node, dialect))
    )
    return int(session.scalar(query) or 0)


@dataclass
class Chunk:
    """One part's worth of rows: items (ITEM_COLUMNS order) and, per item id, its objects
    (object columns after the item id) and, when asked for, its revisions as JSON texts."""

    items: Sequence[Sequence[Any]]
    objects: dict[int, list[Sequence[Any]]] = field(default_factory=dict)
    revisions: dict[int, list[str]] | None = None
    texts: dict[int, list[str]] | None = None  # objects as native JSON, built by the database
    object_total: int = 0

    @property
    def object_count(self) -> int:
        return self.object_total


def read_chunk(
    session: Session,
    project_id: int,
    node: ItemFilter | None,
    dialect: str,
    after: int,
    *,
    limit: int = PART_ITEMS,
    revisions: bool = False,
    native_json: bool = False,
) -> Chunk:
    """The next `limit` matching items after item id `after`, with their objects."""
    items = list(
        session.execute(
            items_query(project_id, node, dialect).where(WorkItem.id > after).limit(limit)
        )
    )
    chunk = Chunk(items)
    if not items:
        return chunk
    ids = [row[0] for row in items]
    built = object_json_column(dialect) if native_json else None
    columns = (AnnotationObject.work_item_id, built) if built is not None else _OBJECT_COLUMNS
    query = (
        select(*columns)
        .where(AnnotationObject.work_item_id.in_(ids))
        .order_by(AnnotationObject.work_item_id, AnnotationObject.id)
    )
    if built is not None:
        chunk.texts = {}
        for item_id, text in session.execute(query):
            chunk.texts.setdefault(item_id, []).append(text)
        chunk.object_total = sum(len(texts) for texts in chunk.texts.values())
    else:
        for row in session.execute(query):
            chunk.objects.setdefault(row[0], []).append(row[1:])
        chunk.object_total = sum(len(rows) for rows in chunk.objects.values())
    if revisions:
        chunk.revisions = _revisions(session, ids)
    return chunk


def _revisions(session: Session, ids: list[int]) -> dict[int, list[str]]:
    changes: dict[tuple[int, int], list[str]] = {}
    change_rows = session.execute(
        select(
            AnnotationChange.work_item_id,
            AnnotationChange.revision,
            AnnotationChange.uid,
            AnnotationChange.op,
            cast(AnnotationChange.data, Text),
        )
        .where(AnnotationChange.work_item_id.in_(ids))
        .order_by(AnnotationChange.work_item_id, AnnotationChange.revision, AnnotationChange.id)
    )
    for item_id, revision, *rest in change_rows:
        changes.setdefault((item_id, revision), []).append(native.change_text(rest))
    result: dict[int, list[str]] = {}
    revision_rows = session.execute(
        select(
            AnnotationRevision.work_item_id,
            AnnotationRevision.revision,
            AnnotationRevision.request_id,
            AnnotationRevision.user_id,
            AnnotationRevision.at,
            AnnotationRevision.time_spent,
            cast(AnnotationRevision.summary, Text),
        )
        .where(AnnotationRevision.work_item_id.in_(ids))
        .order_by(AnnotationRevision.work_item_id, AnnotationRevision.revision)
    )
    for item_id, revision, request_id, user_id, at, time_spent, summary in revision_rows:
        row = (revision, request_id, user_id, _iso(at), time_spent, summary)
        result.setdefault(item_id, []).append(
            native.revision_text(row, changes.get((item_id, revision), []))
        )
    return result


def _iso_sql(column: Any, dialect: str) -> Any:
    """A UTC timestamp column as ISO 8601 text, made by the database (SQLite keeps them as
    'YYYY-MM-DD HH:MM:SS.ffffff' in UTC; PostgreSQL formats them)."""
    if dialect == "postgresql":
        return func.to_char(
            func.timezone("UTC", column), literal_column('\'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"\'')
        )
    return func.replace(column, literal_column("' '"), literal_column("'T'")).concat("+00:00")


def object_json_column(dialect: str) -> Any:
    """An object as native JSON text, built by the database itself (SQLite `json_object`,
    PostgreSQL `json_build_object`): the fastest way to turn a million rows into JSON, since
    no value becomes a Python object. None on other engines (Python builds the text)."""
    o = AnnotationObject
    build: Any
    embed: Any
    if dialect == "sqlite":
        build, embed = func.json_object, func.json
    elif dialect == "postgresql":
        build, embed = func.json_build_object, (lambda column: column)
    else:
        return None
    pairs = [
        ("id", o.id),
        ("uid", o.uid),
        ("class", o.class_key),
        ("type", o.geometry_type),
        ("geometry", embed(o.geometry)),
        ("attributes", embed(o.attributes)),
        ("source", o.source),
        ("model", o.model),
        ("score", o.score),
        ("z_order", o.z_order),
        ("frame", o.frame),
        ("slice", o.slice),
        ("track_id", o.track_id),
        ("flags", embed(o.flags)),
        ("time_spent", o.time_spent),
        ("revision", o.revision),
        ("created_by", o.created_by),
        ("created_at", _iso_sql(o.created_at, dialect)),
        ("updated_by", o.updated_by),
        ("updated_at", _iso_sql(o.updated_at, dialect)),
    ]
    arguments: list[Any] = []
    for key, value in pairs:
        arguments += [literal_column(f"'{key}'"), value]
    return cast(build(*arguments), Text)


def _native_object(row: Sequence[Any]) -> str:
    values = list(row)
    values[17] = _iso(values[17])  # created_at
    values[19] = _iso(values[19])  # updated_at
    return native.object_text(values)


def export_items(chunk: Chunk) -> list[ExportItem]:
    """The chunk's items as the format modules read them (JSON columns parsed)."""
    result = []
    for row in chunk.items:
        objects = [
            ExportObject(
                id=o[0],
                uid=o[1],
                class_key=o[2],
                geometry_type=o[3],
                geometry=json.loads(o[4]),
                attributes=json.loads(o[5]) if o[5] else {},
                source=o[6],
                model=o[7],
                score=o[8],
                z_order=o[9],
                frame=o[10],
                slice=o[11],
                track_id=o[12],
                flags=json.loads(o[13]) if o[13] else [],
            )
            for o in chunk.objects.get(row[0], [])
        ]
        result.append(
            ExportItem(
                id=row[0],
                asset_id=row[9],
                folder=row[10],
                name=row[11],
                kind=row[12],
                width=int(row[13] or 0),
                height=int(row[14] or 0),
                frame_count=row[15],
                state=row[1],
                answers=json.loads(row[5]) if row[5] else {},
                objects=objects,
            )
        )
    return result


@dataclass(frozen=True)
class WrittenPart:
    """What the manifest records of a complete part."""

    data_size: int
    sections: dict[str, list[int]]


Tick = Callable[[int], None]  # called with the number of items converted so far


def json_part(manifest: dict[str, Any], chunk: Chunk) -> tuple[bytes, dict[str, list[int]]]:
    """A native JSON document of the chunk's items, and the byte range of its items."""
    head = native.document_head(manifest["project"], manifest["instruction"]).encode()
    texts = []
    revisions = chunk.revisions
    for row in chunk.items:
        values = list(row)
        values[8] = _iso(values[8])
        if chunk.texts is not None:
            objects = chunk.texts.get(row[0], [])
        else:
            objects = [_native_object(o) for o in chunk.objects.get(row[0], [])]
        history = None if revisions is None else revisions.get(row[0], [])
        texts.append(native.item_text(values, objects, history))
    body = ",".join(texts).encode()
    return head + body + native.DOCUMENT_END.encode(), {"items": [len(head), len(head) + len(body)]}


def coco_head(manifest: dict[str, Any]) -> str:
    info = {
        "description": f"Pixelwise export {manifest['job_id']} of project "
        f"{manifest['project']['name']}",
        "version": "1",
        "date_created": manifest["created_at"],
    }
    table = ClassTable.from_json(manifest["classes"])
    return coco.document_head(info, table, manifest["project"], manifest["questions"])


def coco_part(
    manifest: dict[str, Any], chunk: Chunk, tick: Tick
) -> tuple[bytes, dict[str, list[int]]]:
    """A COCO document of the chunk's items, and the byte ranges of its images and
    annotations; the COCO id counters in `manifest["state"]` move on."""
    table = ClassTable.from_json(manifest["classes"])
    ids = coco.CocoIds.from_json(manifest["state"]["coco_ids"])
    images: list[str] = []
    annotations: list[str] = []
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for done, item in enumerate(export_items(chunk), start=1):
        item_images, item_annotations = coco.convert_item(item, table, ids)
        images += [encode(image) for image in item_images]
        annotations += [encode(annotation) for annotation in item_annotations]
        tick(done)
    manifest["state"]["coco_ids"] = ids.to_json()
    head = coco_head(manifest).encode()
    image_bytes = ",".join(images).encode()
    middle = coco.IMAGES_END.encode()
    annotation_bytes = ",".join(annotations).encode()
    start = len(head) + len(image_bytes) + len(middle)
    data = head + image_bytes + middle + annotation_bytes + coco.DOCUMENT_END.encode()
    sections = {
        "images": [len(head), len(head) + len(image_bytes)],
        "annotations": [start, start + len(annotation_bytes)],
    }
    return data, sections


def masks_part(manifest: dict[str, Any], chunk: Chunk, tick: Tick, out: Any) -> None:
    """A zip (stored: PNGs are compressed already) of the chunk's mask files and the colour
    map, written to the binary file `out`."""
    table = ClassTable.from_json(manifest["classes"])
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, data in masks.colormap_files(table):
            archive.writestr(name, data)
        for done, item in enumerate(export_items(chunk), start=1):
            for name, data in masks.item_files(item, table):
                archive.writestr(name, data)
            tick(done)


def write_part(
    blobs: BlobStore, manifest: dict[str, Any], key: str, chunk: Chunk, tick: Tick
) -> WrittenPart:
    """Convert the chunk to the export's format and store it under `key`."""
    format_name = manifest["format"]
    if format_name == "masks":
        with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as spool:
            masks_part(manifest, chunk, tick, spool)
            spool.seek(0)
            size = blobs.put(key, spool)  # type: ignore[arg-type]
        return WrittenPart(size, {})
    if format_name == "coco":
        data, sections = coco_part(manifest, chunk, tick)
    else:
        data, sections = json_part(manifest, chunk)
    return WrittenPart(blobs.put(key, io.BytesIO(data)), sections)
