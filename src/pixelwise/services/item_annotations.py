"""Saving and reading an item's annotation: atomic, idempotent, conflict-checked saves that
write only what changed, and every past revision on request.

A save names the revision it edited (`base_revision`). The item's revision moves forward
with `UPDATE ... WHERE revision = base`, so of two saves from the same base exactly one
wins and the other gets `Conflict` carrying the current revision; nothing is overwritten
silently. A save's `request_id` is stored with its revision: sending the same request again
(a retry after a lost response) returns the first result and changes nothing.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pixelwise.db.base import utcnow
from pixelwise.db.models import (
    AnnotationChange,
    AnnotationObject,
    AnnotationRevision,
    Asset,
    InstructionVersion,
    Project,
    WorkItem,
)
from pixelwise.domain.annotations import (
    MAX_OBJECTS_PER_ITEM,
    AnnotationPatch,
    AnnotationReplace,
    CheckedObject,
    ObjectIn,
    Plane,
    check_answers,
    check_object,
    check_unique_ids,
)
from pixelwise.domain.errors import Conflict, InvalidInput, NotFound
from pixelwise.domain.instructions import Instruction, parse_instruction
from pixelwise.domain.instructions_attributes import check_attribute_values
from pixelwise.formats.fragments import saved_texts
from pixelwise.services.context import Actor, Context


@dataclass(frozen=True)
class SaveResult:
    """The revision a save made (or, `replayed`, the one an earlier identical request made),
    with the ids of the objects it put, in request order, and of those it deleted."""

    item_id: int
    revision: int
    replayed: bool
    put: list[str]
    deleted: list[str]


@dataclass(frozen=True)
class AnnotationInfo:
    """An item's annotation at one revision: object documents and image-level answers."""

    item_id: int
    revision: int
    objects: list[dict[str, Any]]
    answers: dict[str, Any]


@dataclass(frozen=True)
class RevisionInfo:
    revision: int
    request_id: str
    user_id: int | None
    at: datetime
    time_spent: float
    summary: dict[str, Any]


@dataclass
class _Item:
    """What a save needs to know about its item, read in one query."""

    id: int
    revision: int
    object_count: int
    answers: dict[str, Any]
    state: str
    plane: Plane
    instruction_version_id: int | None
    version_created_at: datetime | None = None
    replay: SaveResult | None = None


# Core tables for the writes of a save: plain executemany, without ORM bookkeeping.
_OBJECTS = cast(Table, AnnotationObject.__table__)
_CHANGES = cast(Table, AnnotationChange.__table__)
_REVISIONS = cast(Table, AnnotationRevision.__table__)

_ITEMS = cast(Table, WorkItem.__table__)

# Statements of the save path, built once: building a statement costs more than running it.
_ITEM_QUERY = (
    select(
        WorkItem.revision,
        WorkItem.object_count,
        WorkItem.answers,
        WorkItem.state,
        Asset.kind,
        Asset.width,
        Asset.height,
        Asset.frame_count,
        Project.instruction_version_id,
        InstructionVersion.created_at.label("version_created_at"),
        AnnotationRevision.revision.label("replayed_revision"),
        AnnotationRevision.summary,
    )
    .join(Asset, Asset.id == WorkItem.asset_id)
    .join(Project, Project.id == WorkItem.project_id)
    .outerjoin(InstructionVersion, InstructionVersion.id == Project.instruction_version_id)
    .outerjoin(
        AnnotationRevision,
        and_(
            AnnotationRevision.work_item_id == WorkItem.id,
            AnnotationRevision.request_id == bindparam("request_id"),
        ),
    )
    .where(WorkItem.id == bindparam("item_id"), WorkItem.project_id == bindparam("project_id"))
)
_OBJECTS_BY_UID = select(_OBJECTS.c.uid, _OBJECTS.c.id, _OBJECTS.c.time_spent).where(
    _OBJECTS.c.work_item_id == bindparam("item_id"),
    _OBJECTS.c.uid.in_(bindparam("uids", expanding=True)),
)
_MOVE = {
    "revision": bindparam("new_revision"),
    "object_count": bindparam("new_count"),
    "time_spent": _ITEMS.c.time_spent + bindparam("spent"),
    "updated_by": bindparam("user_id"),
    "updated_at": bindparam("now"),
}
# The item is still at the base revision, and its project still pins the version the save
# was checked against: then nothing the check read has changed since.
_ITEM_AT_BASE = (
    _ITEMS.c.id == bindparam("item_id"),
    _ITEMS.c.revision == bindparam("base"),
    exists().where(
        Project.id == _ITEMS.c.project_id,
        Project.instruction_version_id.is_not_distinct_from(bindparam("version_id")),
    ),
)
_MOVE_ITEM = update(_ITEMS).where(*_ITEM_AT_BASE).values(**_MOVE)
_MOVE_ITEM_AND_ANSWERS = (
    update(_ITEMS).where(*_ITEM_AT_BASE).values(**_MOVE, answers=bindparam("new_answers"))
)
_UPDATE_OBJECT = update(_OBJECTS).where(_OBJECTS.c.id == bindparam("row_id"))
_INSERT_OBJECTS = insert(_OBJECTS)
_INSERT_CHANGES = insert(_CHANGES)
_INSERT_REVISION = insert(_REVISIONS)

# Parsed instruction versions by (id, creation time): versions never change, and the time
# tells apart two versions that got the same id (SQLite may reuse the id of a deleted row).
_INSTRUCTIONS: dict[tuple[int, datetime | None], Instruction] = {}
_INSTRUCTIONS_LOCK = threading.Lock()


def pinned_instruction(
    session: Session | Connection, version_id: int | None, created_at: datetime | None = None
) -> Instruction:
    """The parsed instruction of a version, cached; `created_at` is the version's creation
    time when the caller has it (else it is read)."""
    if version_id is None:
        raise Conflict(
            "This project has no labeling instruction yet; a project admin pins one "
            "(POST /api/projects/{id}/instruction) before anything is annotated."
        )
    if created_at is None:
        created_at = session.scalar(
            select(InstructionVersion.created_at).where(InstructionVersion.id == version_id)
        )
    key = (version_id, created_at)
    with _INSTRUCTIONS_LOCK:
        cached = _INSTRUCTIONS.get(key)
    if cached is not None:
        return cached
    document = session.scalar(
        select(InstructionVersion.document).where(InstructionVersion.id == version_id)
    )
    instruction = parse_instruction(document)
    with _INSTRUCTIONS_LOCK:
        _INSTRUCTIONS[key] = instruction
    return instruction


def _plane(kind: str, width: int | None, height: int | None, frames: int | None) -> Plane:
    return Plane(
        width=width or 0,
        height=height or 0,
        slices=frames if kind == "dicom" else None,
        frames=frames if kind == "video" else None,
    )


def load_item(
    session: Session | Connection, project_id: int, item_id: int, request_id: str | None = None
) -> _Item:
    """The item, its asset's plane and pinned instruction version, in one query; with
    `request_id`, also the save that request already made (`replay`)."""
    connection = session.connection() if isinstance(session, Session) else session
    row = connection.execute(
        _ITEM_QUERY,
        {"item_id": item_id, "project_id": project_id, "request_id": request_id or ""},
    ).one_or_none()
    if row is None:
        raise NotFound(f"Project {project_id} has no item {item_id}.")
    replay = None
    if request_id is not None and row.replayed_revision is not None:
        replay = _replay(item_id, row.replayed_revision, row.summary)
    return _Item(
        replay=replay,
        id=item_id,
        revision=row.revision,
        object_count=row.object_count,
        answers=dict(row.answers or {}),
        state=row.state,
        plane=_plane(row.kind, row.width, row.height, row.frame_count),
        instruction_version_id=row.instruction_version_id,
        version_created_at=row.version_created_at,
    )


def object_document(row: AnnotationObject) -> dict[str, Any]:
    """An object as the API shows it: what a save sets, and who set it when."""
    return _stored_content(row) | {
        "time_spent": row.time_spent,
        "revision": row.revision,
        "created_by": row.created_by,
        "created_at": row.created_at.isoformat(),
        "updated_by": row.updated_by,
        "updated_at": row.updated_at.isoformat(),
    }


def _content(checked: CheckedObject) -> dict[str, Any]:
    """The part of an object a save sets (and a revision keeps)."""
    return {
        "id": checked.uid,
        "class": checked.class_key,
        "geometry": checked.geometry_json(),
        "attributes": checked.attributes,
        "source": checked.source.value,
        "model": checked.model,
        "score": checked.score,
        "z_order": checked.z_order,
        "flags": list(checked.flags),
    }


def _stored_content(row: AnnotationObject) -> dict[str, Any]:
    """The part of a stored object a save sets (compared with `_content` of a new one)."""
    return {
        "id": row.uid,
        "class": row.class_key,
        "geometry": row.geometry,
        "attributes": row.attributes,
        "source": row.source,
        "model": row.model,
        "score": row.score,
        "z_order": row.z_order,
        "flags": row.flags,
    }


def _check_all(
    objects: Sequence[ObjectIn], instruction: Instruction, plane: Plane, where: str
) -> list[CheckedObject]:
    checked = []
    for index, raw in enumerate(objects):
        one = check_object(raw, instruction, plane, field=f"{where}[{index}]")
        if one.uid is None:
            one = _with_uid(one, uuid.uuid4().hex)
        checked.append(one)
    return checked


def _with_uid(checked: CheckedObject, uid: str) -> CheckedObject:
    return replace(checked, uid=uid)


def _replayed(session: Session, item_id: int, request_id: str) -> SaveResult | None:
    prior = session.execute(
        select(AnnotationRevision.revision, AnnotationRevision.summary).where(
            AnnotationRevision.work_item_id == item_id,
            AnnotationRevision.request_id == request_id,
        )
    ).one_or_none()
    return None if prior is None else _replay(item_id, prior.revision, prior.summary)


def _replay(item_id: int, revision: int, summary: dict[str, Any] | None) -> SaveResult:
    """The answer an earlier save of the same request gave, from its revision row."""
    summary = summary or {}
    return SaveResult(
        item_id=item_id,
        revision=revision,
        replayed=True,
        put=list(summary.get("put", [])),
        deleted=list(summary.get("deleted", [])),
    )


def _stale(item: _Item, base_revision: int) -> Conflict:
    return Conflict(
        f"The annotation was saved by someone else since revision {base_revision}; it is now "
        f"at revision {item.revision}. Reload it (GET the annotation) and apply your change "
        "again, or save your version on top of the current revision.",
        current_revision=item.revision,
        base_revision=base_revision,
    )


def apply_revision(
    session: Session,
    actor: Actor,
    item: _Item,
    *,
    request_id: str,
    base_revision: int,
    puts: list[CheckedObject],
    time_per_object: dict[str, float],
    deletes: list[str],
    answers: dict[str, Any] | None,
    time_spent: float,
    existing: Mapping[str, Any],
) -> SaveResult:
    """Write one revision: the object rows that changed, a change row each, the revision."""
    now = utcnow()
    revision = base_revision + 1
    new_rows = [c for c in puts if c.uid not in existing]
    count = item.object_count + len(new_rows) - len(deletes)
    if count > MAX_OBJECTS_PER_ITEM:
        raise InvalidInput(
            f"An item holds at most {MAX_OBJECTS_PER_ITEM} objects; this save would make "
            f"{count}. Merge objects or split the asset.",
            field="put",
        )
    values: dict[str, Any] = {
        "item_id": item.id,
        "base": base_revision,
        "new_revision": revision,
        "new_count": count,
        "spent": time_spent,
        "user_id": actor.user_id,
        "now": now,
        "version_id": item.instruction_version_id,
    }
    if answers is not None:
        values["new_answers"] = answers
    moved = session.connection().execute(
        _MOVE_ITEM if answers is None else _MOVE_ITEM_AND_ANSWERS, values
    )
    if getattr(moved, "rowcount", 0) != 1:
        # The same request may have raced this one and won (PostgreSQL runs them together).
        replay = _replayed(session, item.id, request_id)
        if replay is not None:
            return replay
        current = session.scalar(select(WorkItem.revision).where(WorkItem.id == item.id))
        if current == base_revision:
            raise Conflict(
                "The project moved to another instruction version while this was saved; "
                "reload the item and save again."
            )
        item.revision = int(current or 0)
        raise _stale(item, base_revision)
    changes: list[dict[str, Any]] = []
    if new_rows:
        session.connection().execute(
            _INSERT_OBJECTS,
            [
                _row_values(item.id, c, revision, actor, now, time_per_object.get(c.uid or "", 0))
                | {"created_by": actor.user_id, "created_at": now}
                for c in new_rows
            ],
        )
    updated = [c for c in puts if c.uid in existing]
    if updated:
        session.connection().execute(
            _UPDATE_OBJECT,
            [
                _row_values(
                    item.id,
                    c,
                    revision,
                    actor,
                    now,
                    existing[c.uid or ""].time_spent + time_per_object.get(c.uid or "", 0),
                )
                | {"row_id": existing[c.uid or ""].id}
                for c in updated
            ],
        )
    if deletes:
        session.execute(
            delete(AnnotationObject)
            .where(AnnotationObject.id.in_([existing[uid].id for uid in deletes]))
            .execution_options(synchronize_session=False)
        )
    changes += [_change(item.id, revision, c.uid or "", "put", _content(c)) for c in puts]
    changes += [_change(item.id, revision, uid, "delete", None) for uid in deletes]
    if answers is not None:
        changes.append(_change(item.id, revision, "", "answers", answers))
    if changes:
        session.connection().execute(_INSERT_CHANGES, changes)
    put_ids = [c.uid or "" for c in puts]
    session.connection().execute(
        _INSERT_REVISION,
        [
            {
                "work_item_id": item.id,
                "revision": revision,
                "request_id": request_id,
                "user_id": actor.user_id,
                "at": now,
                "time_spent": time_spent,
                "summary": {
                    "put": put_ids,
                    "deleted": deletes,
                    "added": len(new_rows),
                    "answers": answers is not None,
                },
            }
        ],
    )
    return SaveResult(item.id, revision, False, put_ids, list(deletes))


def _row_values(
    item_id: int, c: CheckedObject, revision: int, actor: Actor, now: datetime, spent: float
) -> dict[str, Any]:
    native, coco = saved_texts(c, revision, spent)  # what exports copy (formats.fragments)
    return {
        "work_item_id": item_id,
        "uid": c.uid,
        "class_key": c.class_key,
        "geometry_type": c.geometry.type,
        "geometry": c.geometry_json(),
        "attributes": c.attributes,
        "source": c.source.value,
        "model": c.model,
        "score": c.score,
        "z_order": c.z_order,
        "frame": c.frame,
        "slice": c.slice,
        "flags": list(c.flags),
        "bbox_x": c.measures[0],
        "bbox_y": c.measures[1],
        "bbox_w": c.measures[2],
        "bbox_h": c.measures[3],
        "area": c.measures[4],
        "native_json": native,
        "coco_json": coco,
        "time_spent": spent,
        "revision": revision,
        "updated_by": actor.user_id,
        "updated_at": now,
    }


def _change(item_id: int, revision: int, uid: str, op: str, data: Any) -> dict[str, Any]:
    return {"work_item_id": item_id, "revision": revision, "uid": uid, "op": op, "data": data}


def _existing(session: Session, item_id: int, uids: Sequence[str] | None) -> dict[str, Any]:
    """The item's objects by id: all of them as rows (None), or just `uid`, `id` and
    `time_spent` of the named ones (what an incremental save needs)."""
    if uids is None:
        query = select(AnnotationObject).where(AnnotationObject.work_item_id == item_id)
        return {row.uid: row for row in session.scalars(query)}
    if not uids:
        return {}
    rows = session.connection().execute(_OBJECTS_BY_UID, {"item_id": item_id, "uids": list(uids)})
    return {row.uid: row for row in rows}


def _saving(
    ctx: Context, item_id: int, request_id: str, write: Callable[[Session], SaveResult]
) -> SaveResult:
    """Run `write` in a transaction; when it breaks the unique request id because the same
    request was saved meanwhile, answer with that save."""
    try:
        with ctx.database.transaction() as session:
            return write(session)
    except IntegrityError:
        with ctx.database.read() as session:
            replay = _replayed(session, item_id, request_id)
        if replay is None:
            raise
        return replay


def save_patch(
    ctx: Context, actor: Actor, project_id: int, item_id: int, patch: AnnotationPatch
) -> SaveResult:
    """Apply an incremental save: put (add or replace by id) and delete objects, and set
    the answers when given. Only the named objects are written."""
    check_unique_ids(patch.put, patch.delete, "put")

    def check(instruction: Instruction, plane: Plane) -> list[CheckedObject]:
        if patch.answers is not None:
            check_answers(instruction, patch.answers)
        return _check_all(patch.put, instruction, plane, "put")

    prepared = _prepare(ctx, project_id, item_id, patch.request_id, patch.base_revision, check)
    if isinstance(prepared, SaveResult):
        return prepared
    item, puts = prepared

    def write(session: Session) -> SaveResult:
        named = [c.uid or "" for c in puts] + list(patch.delete)
        # An item without objects (every first save) has none to look up.
        existing = _existing(session, item_id, named if item.object_count else [])
        for index, uid in enumerate(patch.delete):
            if uid not in existing:
                _still_at_base(session, item, patch.base_revision)
                raise InvalidInput(
                    f"delete[{index}]: there is no object `{uid}` in this item at revision "
                    f"{item.revision}.",
                    field=f"delete[{index}]",
                    object_id=uid,
                )
        spent = {c.uid or "": raw.time_spent for c, raw in zip(puts, patch.put, strict=True)}
        return apply_revision(
            session,
            actor,
            item,
            request_id=patch.request_id,
            base_revision=patch.base_revision,
            puts=puts,
            time_per_object=spent,
            deletes=list(patch.delete),
            answers=patch.answers,
            time_spent=patch.time_spent,
            existing=existing,
        )

    return _saving(ctx, item_id, patch.request_id, write)


def _prepare(
    ctx: Context,
    project_id: int,
    item_id: int,
    request_id: str,
    base_revision: int,
    check: Callable[[Instruction, Plane], list[CheckedObject]],
) -> SaveResult | tuple[_Item, list[CheckedObject]]:
    """Check a save's objects before any write lock is taken (checking is most of a save's
    work): the earlier answer when the request was saved before, else the item as read and
    the checked objects. A stale base revision is refused here already.

    The write does not read the item again: its UPDATE moves the revision only if the item
    is still at the base revision and the project still pins the same version (see
    `apply_revision`), and every change to what was read here moves the revision."""
    with ctx.database.read_connection() as connection:  # Core only: no ORM session
        item = load_item(connection, project_id, item_id, request_id)
        if item.replay is not None:
            return item.replay
        if base_revision != item.revision:
            raise _stale(item, base_revision)
        instruction = pinned_instruction(
            connection, item.instruction_version_id, item.version_created_at
        )
    return item, check(instruction, item.plane)


def _still_at_base(session: Session, item: _Item, base_revision: int) -> None:
    """Conflict when another save moved the item since it was read (then a missing object
    is that save's doing, not a mistake of this one)."""
    current = session.scalar(select(WorkItem.revision).where(WorkItem.id == item.id))
    if current != base_revision:
        item.revision = int(current or 0)
        raise _stale(item, base_revision)


def save_replace(
    ctx: Context, actor: Actor, project_id: int, item_id: int, body: AnnotationReplace
) -> SaveResult:
    """Make `body` the whole annotation; objects left out are deleted, unchanged ones are
    not written."""
    check_unique_ids(body.objects, [], "objects")

    def check(instruction: Instruction, plane: Plane) -> list[CheckedObject]:
        check_answers(instruction, body.answers)
        return _check_all(body.objects, instruction, plane, "objects")

    prepared = _prepare(ctx, project_id, item_id, body.request_id, body.base_revision, check)
    if isinstance(prepared, SaveResult):
        return prepared
    item, checked = prepared

    def write(session: Session) -> SaveResult:
        existing = _existing(session, item_id, None)
        spent = {c.uid or "": raw.time_spent for c, raw in zip(checked, body.objects, strict=True)}
        puts = [
            c
            for c in checked
            if c.uid not in existing
            or _content(c) != _stored_content(existing[c.uid or ""])
            or spent.get(c.uid or "", 0) > 0
        ]
        keep = {c.uid for c in checked}
        deletes = [uid for uid in existing if uid not in keep]
        answers = body.answers if body.answers != item.answers else None
        return apply_revision(
            session,
            actor,
            item,
            request_id=body.request_id,
            base_revision=body.base_revision,
            puts=puts,
            time_per_object=spent,
            deletes=deletes,
            answers=answers,
            time_spent=body.time_spent,
            existing=existing,
        )

    return _saving(ctx, item_id, body.request_id, write)


def get_annotation(ctx: Context, project_id: int, item_id: int) -> AnnotationInfo:
    """The item's current annotation, objects in z-order (then creation order)."""
    with ctx.database.read() as session:
        item = load_item(session, project_id, item_id)
        rows = session.scalars(
            select(AnnotationObject)
            .where(AnnotationObject.work_item_id == item_id)
            .order_by(AnnotationObject.z_order, AnnotationObject.id)
        )
        objects = [object_document(row) for row in rows]
    return AnnotationInfo(item_id, item.revision, objects, item.answers)


def annotation_at(ctx: Context, project_id: int, item_id: int, revision: int) -> AnnotationInfo:
    """The item's annotation as it was right after `revision` (0: empty), rebuilt from the
    changes each revision recorded."""
    with ctx.database.read() as session:
        item = load_item(session, project_id, item_id)
        if revision > item.revision:
            raise NotFound(
                f"Item {item_id} has no revision {revision}; its latest is {item.revision}."
            )
        objects: dict[str, dict[str, Any]] = {}
        answers: dict[str, Any] = {}
        changes = session.execute(
            select(AnnotationChange.uid, AnnotationChange.op, AnnotationChange.data)
            .where(
                AnnotationChange.work_item_id == item_id,
                AnnotationChange.revision <= revision,
            )
            .order_by(AnnotationChange.revision, AnnotationChange.id)
        )
        for uid, op, data in changes:
            if op == "put":
                objects.pop(uid, None)
                objects[uid] = data
            elif op == "delete":
                objects.pop(uid, None)
            else:
                answers = dict(data or {})
    ordered = sorted(objects.values(), key=lambda doc: doc.get("z_order", 0))
    return AnnotationInfo(item_id, revision, ordered, answers)


def list_revisions(ctx: Context, project_id: int, item_id: int) -> list[RevisionInfo]:
    """Every revision of the item, oldest first: who saved it, when, and what it did."""
    with ctx.database.read() as session:
        load_item(session, project_id, item_id)
        rows = session.scalars(
            select(AnnotationRevision)
            .where(AnnotationRevision.work_item_id == item_id)
            .order_by(AnnotationRevision.revision)
        )
        return [
            RevisionInfo(
                revision=row.revision,
                request_id=row.request_id,
                user_id=row.user_id,
                at=row.at,
                time_spent=row.time_spent,
                summary=row.summary,
            )
            for row in rows
        ]


def submit_item(
    ctx: Context, actor: Actor, project_id: int, item_id: int, base_revision: int
) -> int:
    """Mark the item submitted once every required attribute and answer is filled in;
    returns its revision. InvalidInput lists what is missing."""
    with ctx.database.transaction() as session:
        item = load_item(session, project_id, item_id)
        if base_revision != item.revision:
            raise _stale(item, base_revision)
        instruction = pinned_instruction(
            session, item.instruction_version_id, item.version_created_at
        )
        check_answers(instruction, item.answers, require_complete=True)
        classes = {label.key: label for label in instruction.classes}
        rows = session.execute(
            select(AnnotationObject.uid, AnnotationObject.class_key, AnnotationObject.attributes)
            .where(AnnotationObject.work_item_id == item_id)
            .order_by(AnnotationObject.id)
        )
        for uid, class_key, attributes in rows:
            label = classes.get(class_key)
            if label is None:
                continue
            problems = check_attribute_values(label.attributes, attributes or {}, "attributes")
            if problems:
                raise InvalidInput(
                    f"object `{uid}`: " + "; ".join(f"{p.path}: {p.message}" for p in problems),
                    field=problems[0].path,
                    object_id=uid,
                )
        session.execute(
            update(WorkItem)
            .where(WorkItem.id == item_id)
            .values(state="submitted", updated_by=actor.user_id, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return item.revision
