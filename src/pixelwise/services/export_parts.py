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

from sqlalchemy import (
    BigInteger,
    Select,
    Text,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql
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
from pixelwise.formats.items import ClassTable, ExportItem
from pixelwise.services import export_sql
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


def _iso_sql(column: Any, dialect: str) -> Any:
    """A UTC timestamp column as ISO 8601 text, made by the database (SQLite keeps them as
    'YYYY-MM-DD HH:MM:SS.ffffff' in UTC; PostgreSQL formats them)."""
    if dialect == "postgresql":
        return func.to_char(
            func.timezone("UTC", column), literal_column('\'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"\'')
        )
    return func.replace(column, literal_column("' '"), literal_column("'T'")).concat("+00:00")


def _item_columns(dialect: str) -> tuple[Any, ...]:
    """The columns of an item row (native.ITEM_COLUMNS): JSON columns and times as text."""
    return (
        WorkItem.id,
        WorkItem.state,
        WorkItem.round,
        WorkItem.revision,
        WorkItem.object_count,
        cast(WorkItem.answers, Text),
        WorkItem.time_spent,
        WorkItem.updated_by,
        _iso_sql(WorkItem.updated_at, dialect),
        Asset.id,
        Asset.folder,
        Asset.name,
        Asset.kind,
        Asset.width,
        Asset.height,
        Asset.frame_count,
    )


# What every format reads of an object, after its work item id: ExportObject's fields, the
# JSON columns as text.
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
)


def items_query(project_id: int, node: ItemFilter | None, dialect: str) -> Select[*tuple[Any, ...]]:
    """Items of the project that match the filter, with their asset, in id order."""
    return (
        select(*_item_columns(dialect))
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
    """One part's worth of rows: items (native.ITEM_COLUMNS order); per item id, the JSON
    text the database built of its objects (`texts`: the native objects, or the COCO
    annotations, joined by commas) or, for the items that need Python, its object rows
    (`objects`: the work item id, then the object columns); and, when asked for, its
    revisions as JSON texts."""

    items: Sequence[Sequence[Any]]
    objects: dict[int, list[Sequence[Any]]] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)
    revisions: dict[int, list[str]] | None = None
    object_total: int = 0

    @property
    def object_count(self) -> int:
        return self.object_total


def _of_items(ids: list[int], dialect: str) -> Any:
    """`work_item_id` among `ids`: one array parameter on PostgreSQL, a list elsewhere."""
    if dialect == "postgresql":
        return AnnotationObject.work_item_id == any_(
            bindparam("item_ids", ids, type_=postgresql.ARRAY(BigInteger))
        )
    return AnnotationObject.work_item_id.in_(ids)


def read_chunk(
    session: Session,
    project_id: int,
    node: ItemFilter | None,
    dialect: str,
    after: int,
    *,
    limit: int = PART_ITEMS,
    revisions: bool = False,
    format_name: str = "masks",
    classes: dict[str, int] | None = None,
) -> Chunk:
    """The next `limit` matching items after item id `after`, with their objects. Rows are
    read through the connection as plain rows (no ORM, no JSON parsing). For the `json`
    format the database writes each item's objects as one JSON text; for `coco` it writes
    the annotations of image items whose objects are all boxes and hole-free polygons with
    stored measures (`classes` maps class keys to category ids), and only the other items'
    object rows are read."""
    connection = session.connection()
    query = items_query(project_id, node, dialect).where(WorkItem.id > after).limit(limit)
    items = connection.execute(query).all()
    chunk = Chunk(items)
    if not items:
        return chunk
    ids = [row[0] for row in items]
    python_ids = ids
    if format_name in ("json", "coco"):
        span = (project_id, node, items[0][0], items[-1][0])
        if format_name == "json":
            aggregate = export_sql.native_objects(dialect, *span)
        else:
            aggregate = export_sql.coco_annotations(dialect, classes or {}, *span)
        wanted = set(ids)
        unfinished: set[int] = set()
        total = 0
        for item_id, count, complete, text in connection.execute(aggregate):
            if item_id not in wanted:
                continue  # an item that came to match the filter after the items were read
            total += count
            if complete:
                chunk.texts[item_id] = text
            else:
                unfinished.add(item_id)
        chunk.object_total = total
        python_ids = []
        if format_name == "coco":
            python_ids = [
                row[0] for row in items if row[0] in unfinished or row[12] in ("dicom", "video")
            ]
            for item_id in python_ids:
                chunk.texts.pop(item_id, None)
    if python_ids:
        objects_query = (
            select(*_OBJECT_COLUMNS)
            .where(_of_items(python_ids, dialect))
            .order_by(AnnotationObject.work_item_id, AnnotationObject.id)
        )
        grouped = chunk.objects
        total = 0
        current = -1
        rows: list[Sequence[Any]] = []
        for row in connection.execute(objects_query).all():
            if row[0] != current:
                current = row[0]
                rows = grouped.setdefault(current, [])
            rows.append(row)
            total += 1
        if format_name not in ("json", "coco"):
            chunk.object_total = total
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


def export_items(chunk: Chunk) -> list[ExportItem]:
    """The chunk's items as the format modules read them (JSON columns parsed)."""
    result = []
    for row in chunk.items:
        objects = [coco.export_object(o) for o in chunk.objects.get(row[0], [])]
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
    object_text = native.object_text
    for row in chunk.items:
        text = chunk.texts.get(row[0])
        if text is not None:  # built by the database
            objects = [text]
        else:
            objects = [object_text(o) for o in chunk.objects.get(row[0], ())]
        history = None if revisions is None else revisions.get(row[0], [])
        texts.append(native.item_text(row, objects, history))
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
    writer = coco.TextWriter(table, ids)
    texts = chunk.texts
    for done, row in enumerate(chunk.items, start=1):
        text = texts.get(row[0])
        if text is not None:
            writer.add_text(row, text)
        else:
            writer.add(row, chunk.objects.get(row[0], ()))
        tick(done)
    writer.finish()
    images, annotations = writer.images, writer.annotations
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
