"""Moving a project to another instruction version: the report, and the migration of the
objects and answers already saved.

What can be migrated is migrated, one new revision per changed item (by the person who made
the change): values of removed attributes are dropped, removed choices are taken out of
attribute values and answers, answers of removed questions are dropped, and new attributes
with a default get it. What cannot (a removed class still in use, a changed tool or
attribute type, a new required attribute without default) blocks the change with 409 and
the list of problems, and nothing is changed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pixelwise.db.models import AnnotationObject, Project, WorkItem
from pixelwise.domain.annotations import CheckedObject, Source
from pixelwise.domain.errors import Conflict, NotFound
from pixelwise.domain.geometry import parse_geometry
from pixelwise.domain.instructions import Instruction
from pixelwise.domain.instructions_attributes import AnyAttribute
from pixelwise.domain.instructions_base import Problem
from pixelwise.domain.instructions_migrate import migrate
from pixelwise.services import audit
from pixelwise.services.context import Actor, Context
from pixelwise.services.item_annotations import apply_revision, load_item, pinned_instruction
from pixelwise.services.projects import find_version


@dataclass(frozen=True)
class ChangeReport:
    ok: bool
    applied: bool
    instruction_id: int
    version: int
    changes: list[str]
    problems: list[Problem]
    migrated_objects: int


def _choice_keys(spec: AnyAttribute | Any) -> set[str] | None:
    choices = getattr(spec, "choices", None)
    return None if choices is None else {choice.key for choice in choices}


def _migrate_values(values: Mapping[str, Any], specs: Mapping[str, Any]) -> dict[str, Any]:
    """`values` under the new `specs`: unknown keys dropped, removed choices taken out,
    defaults added for what is missing."""
    result: dict[str, Any] = {}
    for key, value in values.items():
        spec = specs.get(key)
        if spec is None:
            continue
        choices = _choice_keys(spec)
        if choices is not None and isinstance(value, list):
            value = [v for v in value if v in choices]
        elif choices is not None and isinstance(value, str) and value not in choices:
            continue
        result[key] = value
    for key, spec in specs.items():
        default = getattr(spec, "default", None)
        if key not in result and default is not None:
            result[key] = default
    return result


def _used(session: Session, project_id: int) -> dict[str, int]:
    rows = session.execute(
        select(AnnotationObject.class_key, func.count())
        .join(WorkItem, WorkItem.id == AnnotationObject.work_item_id)
        .where(WorkItem.project_id == project_id)
        .group_by(AnnotationObject.class_key)
    )
    return {key: int(count) for key, count in rows}


def _migrate_items(
    session: Session, actor: Actor, project_id: int, new: Instruction, request_id: str
) -> int:
    """Rewrite what the new instruction changes, one revision per changed item."""
    specs = {label.key: {a.key: a for a in label.attributes} for label in new.classes}
    questions = {question.key: question for question in new.questions}
    migrated = 0
    item_ids = list(
        session.scalars(
            select(WorkItem.id)
            .where(WorkItem.project_id == project_id, WorkItem.revision > 0)
            .order_by(WorkItem.id)
        )
    )
    for item_id in item_ids:
        item = load_item(session, project_id, item_id)
        rows = {
            row.uid: row
            for row in session.scalars(
                select(AnnotationObject).where(AnnotationObject.work_item_id == item_id)
            )
        }
        puts = []
        for row in rows.values():
            attributes = _migrate_values(row.attributes or {}, specs.get(row.class_key, {}))
            if attributes != (row.attributes or {}):
                puts.append(
                    CheckedObject(
                        uid=row.uid,
                        class_key=row.class_key,
                        geometry=parse_geometry(row.geometry),
                        attributes=attributes,
                        source=Source(row.source),
                        model=row.model,
                        score=row.score,
                        z_order=row.z_order,
                        time_spent=0.0,
                        flags=tuple(row.flags or ()),
                    )
                )
        answers = _migrate_values(item.answers, questions)
        if not puts and answers == item.answers:
            continue
        apply_revision(
            session,
            actor,
            item,
            request_id=request_id,
            base_revision=item.revision,
            puts=puts,
            time_per_object={},
            deletes=[],
            answers=answers if answers != item.answers else None,
            time_spent=0.0,
            existing=rows,
        )
        migrated += len(puts)
    return migrated


def change_instruction(
    ctx: Context,
    actor: Actor,
    project_id: int,
    instruction_id: int,
    version: int | None,
    *,
    dry_run: bool = False,
) -> ChangeReport:
    """Pin `version` of `instruction_id` (None: its latest) on the project, migrating saved
    work; `dry_run` reports without changing anything. Conflict lists blocking problems."""
    with ctx.database.transaction() as session:
        project = session.get(Project, project_id)
        if project is None:
            raise NotFound(f"There is no project {project_id}.")
        target = find_version(session, instruction_id, version)
        new = pinned_instruction(session, target.id)
        old = (
            pinned_instruction(session, project.instruction_version_id)
            if project.instruction_version_id is not None
            else Instruction()
        )
        report = migrate(old, new, _used(session, project_id))
        result = ChangeReport(
            ok=report.ok,
            applied=False,
            instruction_id=instruction_id,
            version=target.version,
            changes=report.changes,
            problems=report.problems,
            migrated_objects=0,
        )
        if not report.ok:
            raise Conflict(
                "The project's annotations cannot move to this instruction version: "
                + "; ".join(f"{p.path}: {p.message}" for p in report.problems),
                problems=[p.model_dump() for p in report.problems],
                changes=report.changes,
            )
        if dry_run or project.instruction_version_id == target.id:
            return result
        request_id = f"instruction:{target.id}:{uuid.uuid4().hex[:12]}"
        project.instruction_version_id = target.id
        migrated = _migrate_items(session, actor, project_id, new, request_id)
        audit.record(
            session,
            actor,
            "project.instruction",
            target_type="project",
            target_id=project_id,
            project_id=project_id,
            instruction_id=instruction_id,
            version=target.version,
            migrated_objects=migrated,
        )
        return ChangeReport(
            ok=True,
            applied=True,
            instruction_id=instruction_id,
            version=target.version,
            changes=report.changes,
            problems=[],
            migrated_objects=migrated,
        )
