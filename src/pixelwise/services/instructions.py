"""Labeling instructions: create one, rename it, add versions, list and read them back.

A version's document is checked against the instruction model (`domain.instructions`)
before it is stored, and stored in the normal form the model gives it; versions are never
changed once written, so a project that pins one always sees the same instruction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from pixelwise.db.models import Instruction, InstructionVersion, Project, User
from pixelwise.domain.errors import Conflict, InvalidInput, NotFound
from pixelwise.domain.instructions import parse_instruction
from pixelwise.domain.pagination import Page, decode_cursor, page_from
from pixelwise.services import audit
from pixelwise.services.context import Actor, Context


@dataclass(frozen=True)
class InstructionInfo:
    id: int
    name: str
    description: str
    latest_version: int
    created_at: datetime


@dataclass(frozen=True)
class VersionInfo:
    instruction_id: int
    version: int
    document: dict[str, Any]
    created_by: int | None
    created_at: datetime


@dataclass(frozen=True)
class VersionSummary:
    """A version without its document: who made it, when, and how many projects pin it."""

    version: int
    created_by: int | None
    created_by_name: str | None
    created_at: datetime
    pinned_by: int


def _info(row: Instruction) -> InstructionInfo:
    return InstructionInfo(row.id, row.name, row.description, row.latest_version, row.created_at)


def _version_info(row: InstructionVersion) -> VersionInfo:
    return VersionInfo(
        row.instruction_id, row.version, row.document, row.created_by, row.created_at
    )


def _normal(document: object) -> dict[str, Any]:
    """The document as the model reads it (InstructionError, a 422, listing every problem)."""
    return parse_instruction(document).model_dump(mode="json")


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("The name must not be blank.", field="name")
    return name


def create_instruction(
    ctx: Context, actor: Actor, *, name: str, document: object, description: str = ""
) -> VersionInfo:
    """A new instruction whose version 1 is `document`; Conflict when the name is taken."""
    name = _check_name(name)
    normal = _normal(document)
    taken = Conflict(f"An instruction named {name!r} exists; choose another name.", field="name")
    try:
        with ctx.database.transaction() as session:
            if session.scalar(select(Instruction.id).where(Instruction.name == name)):
                raise taken
            row = Instruction(
                name=name, description=description, latest_version=1, created_by=actor.user_id
            )
            session.add(row)
            session.flush()
            version = InstructionVersion(
                instruction_id=row.id, version=1, document=normal, created_by=actor.user_id
            )
            session.add(version)
            session.flush()
            audit.record(session, actor, "instruction.create", target_type="instruction",
                         target_id=row.id, name=name)  # fmt: skip
            return _version_info(version)
    except IntegrityError:
        raise taken from None


def add_version(ctx: Context, actor: Actor, instruction_id: int, document: object) -> VersionInfo:
    """The instruction's next version. Two editors saving at once both get a version: the
    counter is advanced in the database, so no version number is given twice."""
    normal = _normal(document)
    with ctx.database.transaction() as session:
        number = session.scalar(
            update(Instruction)
            .where(Instruction.id == instruction_id)
            .values(latest_version=Instruction.latest_version + 1)
            .returning(Instruction.latest_version)
        )
        if number is None:
            raise NotFound(f"There is no instruction {instruction_id}.")
        version = InstructionVersion(
            instruction_id=instruction_id, version=number, document=normal,
            created_by=actor.user_id,
        )  # fmt: skip
        session.add(version)
        session.flush()
        audit.record(session, actor, "instruction.version", target_type="instruction",
                     target_id=instruction_id, version=number)  # fmt: skip
        return _version_info(version)


def list_instructions(ctx: Context, *, cursor: str | None, limit: int) -> Page[InstructionInfo]:
    after = decode_cursor(cursor)
    query = select(Instruction).order_by(Instruction.id).limit(limit + 1)
    if after is not None:
        query = query.where(Instruction.id > int(after))
    with ctx.database.read() as session:
        rows = list(session.scalars(query))
    return page_from([_info(row) for row in rows], limit, key=lambda info: info.id)


def get_instruction(ctx: Context, instruction_id: int) -> InstructionInfo:
    with ctx.database.read() as session:
        row = session.get(Instruction, instruction_id)
        if row is None:
            raise NotFound(f"There is no instruction {instruction_id}.")
        return _info(row)


def get_version(ctx: Context, instruction_id: int, version: int) -> VersionInfo:
    with ctx.database.read() as session:
        row = session.scalar(
            select(InstructionVersion).where(
                InstructionVersion.instruction_id == instruction_id,
                InstructionVersion.version == version,
            )
        )
        if row is None:
            raise NotFound(f"Instruction {instruction_id} has no version {version}.")
        return _version_info(row)


def update_instruction(
    ctx: Context,
    actor: Actor,
    instruction_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
) -> InstructionInfo:
    """Rename an instruction or change its description (its versions stay as they are);
    Conflict when another instruction has the name."""
    new_name = None if name is None else _check_name(name)
    taken = Conflict(
        f"An instruction named {new_name!r} exists; choose another name.", field="name"
    )
    try:
        with ctx.database.transaction() as session:
            row = session.get(Instruction, instruction_id)
            if row is None:
                raise NotFound(f"There is no instruction {instruction_id}.")
            changes: dict[str, Any] = {}
            if new_name is not None and new_name != row.name:
                other = session.scalar(select(Instruction.id).where(Instruction.name == new_name))
                if other is not None:
                    raise taken
                row.name = changes["name"] = new_name
            if description is not None and description != row.description:
                row.description = changes["description"] = description
            if changes:
                session.flush()
                audit.record(session, actor, "instruction.update", target_type="instruction",
                             target_id=row.id, **changes)  # fmt: skip
            return _info(row)
    except IntegrityError:
        raise taken from None


def list_versions(ctx: Context, instruction_id: int) -> list[VersionSummary]:
    """Every version of the instruction, newest first, with its author and the number of
    projects that pin it (one query)."""
    pins = (
        select(Project.instruction_version_id, func.count().label("pins"))
        .where(Project.instruction_version_id.is_not(None))
        .group_by(Project.instruction_version_id)
        .subquery()
    )
    query = (
        select(
            InstructionVersion.version,
            InstructionVersion.created_by,
            User.name,
            User.email,
            InstructionVersion.created_at,
            func.coalesce(pins.c.pins, 0),
        )
        .outerjoin(User, User.id == InstructionVersion.created_by)
        .outerjoin(pins, pins.c.instruction_version_id == InstructionVersion.id)
        .where(InstructionVersion.instruction_id == instruction_id)
        .order_by(InstructionVersion.version.desc())
    )
    with ctx.database.read() as session:
        if session.get(Instruction, instruction_id) is None:
            raise NotFound(f"There is no instruction {instruction_id}.")
        rows = list(session.execute(query))
    return [
        VersionSummary(version, user_id, (name or email) or None, created_at, int(pinned))
        for version, user_id, name, email, created_at, pinned in rows
    ]
