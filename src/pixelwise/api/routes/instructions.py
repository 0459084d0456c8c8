"""Labeling instructions: their JSON Schema, and versioned documents (editing adds a version)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from pixelwise.api.deps import CtxDep, permit
from pixelwise.api.schemas.common import Cursor, IdPath, Limit, PageOut, page_out
from pixelwise.api.schemas.instructions import (
    InstructionCreateIn,
    InstructionOut,
    InstructionUpdateIn,
    VersionIn,
    VersionOut,
    VersionSummaryOut,
)
from pixelwise.domain.instructions import instruction_json_schema
from pixelwise.domain.permissions import Action
from pixelwise.services import instructions
from pixelwise.services.context import Actor

router = APIRouter(prefix="/api/instructions", tags=["instructions"])
Reader = Annotated[Actor, Depends(permit(Action.INSTRUCTION_READ))]
Manager = Annotated[Actor, Depends(permit(Action.INSTRUCTION_MANAGE))]
VersionPath = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/schema")
def schema(_: Reader) -> dict[str, Any]:
    """The JSON Schema of an instruction document (draft 2020-12). Rules across the document
    (unique keys, names and hotkeys, known skeletons) are checked on save as well."""
    return instruction_json_schema()


@router.post("", response_model=VersionOut, status_code=201)
def create_instruction(body: InstructionCreateIn, ctx: CtxDep, actor: Manager) -> VersionOut:
    """A new instruction and its version 1. An invalid document is a 422 whose `problems`
    list every problem with its exact path (`classes[2].hotkey`)."""
    info = instructions.create_instruction(
        ctx, actor, name=body.name, description=body.description, document=body.document
    )
    return VersionOut.model_validate(info)


@router.get("", response_model=PageOut[InstructionOut])
def list_instructions(
    ctx: CtxDep, _: Reader, cursor: Cursor = None, limit: Limit = 50
) -> PageOut[InstructionOut]:
    return page_out(InstructionOut, instructions.list_instructions(ctx, cursor=cursor, limit=limit))


@router.get("/{instruction_id}", response_model=InstructionOut)
def get_instruction(instruction_id: IdPath, ctx: CtxDep, _: Reader) -> InstructionOut:
    return InstructionOut.model_validate(instructions.get_instruction(ctx, instruction_id))


@router.patch("/{instruction_id}", response_model=InstructionOut)
def update_instruction(
    instruction_id: IdPath, body: InstructionUpdateIn, ctx: CtxDep, actor: Manager
) -> InstructionOut:
    """Rename the instruction or change its description; its versions do not change.
    409 when another instruction has the name."""
    info = instructions.update_instruction(
        ctx, actor, instruction_id, name=body.name, description=body.description
    )
    return InstructionOut.model_validate(info)


@router.get("/{instruction_id}/versions", response_model=list[VersionSummaryOut])
def list_versions(instruction_id: IdPath, ctx: CtxDep, _: Reader) -> list[VersionSummaryOut]:
    """Every version, newest first: its number, author, time and how many projects pin it
    (documents are read one at a time with the route below)."""
    found = instructions.list_versions(ctx, instruction_id)
    return [VersionSummaryOut.model_validate(v) for v in found]


@router.post("/{instruction_id}/versions", response_model=VersionOut, status_code=201)
def add_version(instruction_id: IdPath, body: VersionIn, ctx: CtxDep, actor: Manager) -> VersionOut:
    """Save an edited document as the next version (earlier versions stay as they were)."""
    info = instructions.add_version(ctx, actor, instruction_id, body.document)
    return VersionOut.model_validate(info)


@router.get("/{instruction_id}/versions/{version}", response_model=VersionOut)
def get_version(instruction_id: IdPath, version: VersionPath, ctx: CtxDep, _: Reader) -> VersionOut:
    return VersionOut.model_validate(instructions.get_version(ctx, instruction_id, version))
