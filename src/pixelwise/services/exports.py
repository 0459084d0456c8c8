"""Project exports (native JSON, COCO, PNG masks) as resumable background jobs.

`start_export` saves a `project.export` job. Its handler (`run_export`) writes the project's
items, in id order, `PART_ITEMS` at a time, as parts under `exports/<job id>/` in the blob
store, and rewrites the export's manifest after each part (`export_parts`). When an attempt
dies (a crash, a worker shutdown) the next attempt reads the manifest and continues after
the last complete part, so finished parts are never written twice. Memory stays flat: one
part's rows at a time.

While the job runs, the complete parts can be listed and downloaded one by one; once it is
done, the whole export is assembled from the parts as it is sent (`export_assembly`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pixelwise.db.models import (
    AnnotationObject,
    Instruction,
    InstructionVersion,
    Job,
    Project,
    WorkItem,
)
from pixelwise.domain.errors import Conflict, InvalidInput, NotFound
from pixelwise.domain.instructions import parse_instruction
from pixelwise.domain.item_filter import filter_json, parse_filter
from pixelwise.formats import coco
from pixelwise.formats.items import ClassTable
from pixelwise.services import audit, job_kinds
from pixelwise.services.context import Actor, Context
from pixelwise.services.export_assembly import assemble
from pixelwise.services.export_parts import (
    MANIFEST_VERSION,
    PART_ITEMS,
    count_items,
    part_name,
    prefix,
    read_chunk,
    read_manifest,
    write_manifest,
    write_part,
)
from pixelwise.services.job_runs import JobContext
from pixelwise.services.jobs import JobInfo, JobState, start_job
from pixelwise.storage.blobs import iter_chunks

EXPORT_KIND = "project.export"
FORMATS = ("json", "coco", "masks")
# Items converted between two progress reports inside a part (the reports are the heartbeat).
TICK_ITEMS = 100


@dataclass(frozen=True)
class ExportFileInfo:
    """A complete part of an export."""

    name: str
    size_bytes: int
    items: int
    objects: int
    first_item_id: int | None
    last_item_id: int | None


@dataclass(frozen=True)
class ExportListing:
    """The parts of an export written so far; `complete` once the job wrote the last one."""

    export_id: int
    format: str
    state: JobState
    complete: bool
    total_items: int
    files: list[ExportFileInfo]


@dataclass(frozen=True)
class ExportStream:
    """Bytes to send, with what the response needs to describe them."""

    name: str
    media_type: str
    chunks: Iterator[bytes]
    size_bytes: int | None = None


def _check_format(format_name: str) -> str:
    if format_name not in FORMATS:
        raise InvalidInput(
            f"format must be one of {', '.join(FORMATS)}, not {format_name!r}.", field="format"
        )
    return format_name


def _check_params(params: dict[str, Any]) -> dict[str, Any]:
    expected = {"project_id", "format", "filter", "include_revisions"}
    if set(params) != expected:
        raise InvalidInput(f"An export needs exactly these parameters: {sorted(expected)}.")
    _check_format(str(params["format"]))
    if not isinstance(params["project_id"], int) or params["project_id"] < 1:
        raise InvalidInput("project_id must be a positive integer.", field="project_id")
    params["filter"] = filter_json(parse_filter(params["filter"]))
    params["include_revisions"] = bool(params["include_revisions"])
    return params


def start_export(
    ctx: Context,
    actor: Actor,
    project_id: int,
    format_name: str,
    item_filter: object = None,
    include_revisions: bool = False,
) -> JobInfo:
    """Start exporting the project's items that match `item_filter` (all when None) in
    `format_name` (json, coco or masks). `include_revisions` adds every item's revision
    history; only the json format has a place for it."""
    _check_format(format_name)
    node = parse_filter(item_filter)
    if include_revisions and format_name != "json":
        raise InvalidInput(
            "include_revisions applies to the json format only; COCO and masks hold the live "
            "objects.",
            field="include_revisions",
        )
    with ctx.database.read() as session:
        if session.get(Project, project_id) is None:
            raise NotFound(f"There is no project {project_id}.")
    params = {
        "project_id": project_id,
        "format": format_name,
        "filter": filter_json(node),
        "include_revisions": include_revisions,
    }
    return start_job(ctx, actor, EXPORT_KIND, params, project_id=project_id)


def find_project(ctx: Context, name_or_id: str) -> tuple[int, str]:
    """(id, name) of the project named `name_or_id`, or with that id; NotFound otherwise."""
    with ctx.database.read() as session:
        row = session.scalar(select(Project).where(Project.name == name_or_id.strip()))
        if row is None and name_or_id.strip().isdigit():
            row = session.get(Project, int(name_or_id))
        if row is None:
            raise NotFound(f"There is no project named or numbered {name_or_id!r}.")
        return row.id, row.name


def _new_manifest(
    ctx: Context, session: Session, job: JobContext, params: dict[str, Any]
) -> dict[str, Any]:
    """What an export is, fixed at its first attempt so every later attempt writes the same."""
    project_id = int(params["project_id"])
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"There is no project {project_id}; it was deleted before its export ran.")
    document: dict[str, Any] | None = None
    instruction_info: dict[str, Any] | None = None
    if project.instruction_version_id is not None:
        version = session.get(InstructionVersion, project.instruction_version_id)
        if version is not None:
            document = dict(version.document)
            name = session.scalar(
                select(Instruction.name).where(Instruction.id == version.instruction_id)
            )
            instruction_info = {
                "id": version.instruction_id,
                "name": name,
                "version": version.version,
            }
    instruction = parse_instruction(document) if document is not None else None
    used = session.scalars(
        select(AnnotationObject.class_key)
        .distinct()
        .join(WorkItem, WorkItem.id == AnnotationObject.work_item_id)
        .where(WorkItem.project_id == project_id)
    )
    table = ClassTable.from_instruction(instruction, list(used))
    node = parse_filter(params["filter"])
    dialect = ctx.database.dialect
    max_item = session.scalar(select(func.max(WorkItem.id))) or 0
    max_object = session.scalar(select(func.max(AnnotationObject.id))) or 0
    return {
        "version": MANIFEST_VERSION,
        "job_id": job.job_id,
        "format": params["format"],
        "created_at": ctx.now().isoformat(),
        "filter": params["filter"],
        "include_revisions": params["include_revisions"],
        "project": {
            "id": project.id,
            "name": project.name,
            "description": project.description,
            "dataset_id": project.dataset_id,
            "folder": project.folder,
            "instruction": instruction_info,
        },
        "instruction": document,
        "classes": table.to_json(),
        "questions": [q.model_dump(mode="json") for q in instruction.questions]
        if instruction
        else [],
        "total_items": count_items(session, project_id, node, dialect),
        "state": {
            "after_item": 0,
            "items": 0,
            "objects": 0,
            "coco_ids": coco.CocoIds(max_item + 1, max_object + 1).to_json(),
        },
        "parts": [],
        "complete": False,
    }


def run_export(job: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """The handler of `project.export` jobs: write the parts not written yet, then finish."""
    ctx = job.ctx
    manifest = read_manifest(ctx.blobs, job.job_id)
    if manifest is None or manifest.get("version") != MANIFEST_VERSION:
        with ctx.database.read() as session:
            manifest = _new_manifest(ctx, session, job, params)
        write_manifest(ctx.blobs, job.job_id, manifest)
    node = parse_filter(manifest["filter"])
    state = manifest["state"]
    total = int(manifest["total_items"])
    classes = {
        entry.key: entry.index for entry in ClassTable.from_json(manifest["classes"]).classes
    }
    job.progress(state["items"], total, f"{len(manifest['parts'])} parts written")
    while not manifest["complete"]:
        with ctx.database.read() as session:
            chunk = read_chunk(
                session,
                int(params["project_id"]),
                node,
                ctx.database.dialect,
                int(state["after_item"]),
                limit=PART_ITEMS,
                revisions=bool(manifest["include_revisions"]),
                format_name=manifest["format"],
                classes=classes,
            )
        if not chunk.items:
            manifest["complete"] = True
            write_manifest(ctx.blobs, job.job_id, manifest)
            break
        done_before = int(state["items"])

        def tick(done: int, base: int = done_before) -> None:
            if done % TICK_ITEMS == 0:
                job.progress(base + done, max(total, base + done))

        name = part_name(len(manifest["parts"]), manifest["format"])
        written = write_part(ctx.blobs, manifest, prefix(job.job_id) + name, chunk, tick)
        first, last = int(chunk.items[0][0]), int(chunk.items[-1][0])
        manifest["parts"].append(
            {
                "name": name,
                "size": written.data_size,
                "items": len(chunk.items),
                "objects": chunk.object_count,
                "first_item": first,
                "last_item": last,
                "sections": written.sections,
            }
        )
        state["after_item"] = last
        state["items"] = done_before + len(chunk.items)
        state["objects"] = int(state["objects"]) + chunk.object_count
        write_manifest(ctx.blobs, job.job_id, manifest)
        job.progress(
            state["items"], max(total, state["items"]), f"{len(manifest['parts'])} parts written"
        )
    return {
        "format": manifest["format"],
        "items": state["items"],
        "objects": state["objects"],
        "parts": len(manifest["parts"]),
        "files": [part["name"] for part in manifest["parts"]],
        "download": f"/api/projects/{params['project_id']}/exports/{job.job_id}/download",
    }


def _export_job(ctx: Context, project_id: int, export_id: int) -> Job:
    with ctx.database.read() as session:
        row = session.get(Job, export_id)
        if row is None or row.kind != EXPORT_KIND or row.project_id != project_id:
            raise NotFound(f"Project {project_id} has no export {export_id}.")
        return row


def list_export_files(ctx: Context, project_id: int, export_id: int) -> ExportListing:
    """The complete parts of an export so far (a part being written is not listed)."""
    row = _export_job(ctx, project_id, export_id)
    manifest = read_manifest(ctx.blobs, export_id) or {}
    files = [
        ExportFileInfo(
            part["name"],
            int(part["size"]),
            int(part["items"]),
            int(part["objects"]),
            part.get("first_item"),
            part.get("last_item"),
        )
        for part in manifest.get("parts", [])
    ]
    return ExportListing(
        export_id=export_id,
        format=str(row.params.get("format", "")),
        state=JobState(row.state),
        complete=bool(manifest.get("complete")),
        total_items=int(manifest.get("total_items", 0)),
        files=files,
    )


def _audit_download(ctx: Context, actor: Actor, project_id: int, export_id: int, what: str) -> None:
    with ctx.database.transaction() as session:
        audit.record(
            session,
            actor,
            "export.download",
            target_type="job",
            target_id=export_id,
            project_id=project_id,
            file=what,
        )


def open_export_file(
    ctx: Context, actor: Actor, project_id: int, export_id: int, file_name: str
) -> ExportStream:
    """One complete part of an export (audited as a download of export data)."""
    listing = list_export_files(ctx, project_id, export_id)
    found = next((f for f in listing.files if f.name == file_name), None)
    if found is None:
        names = ", ".join(f.name for f in listing.files) or "none yet"
        raise NotFound(
            f"Export {export_id} has no complete file {file_name!r} (complete files: {names})."
        )
    _audit_download(ctx, actor, project_id, export_id, file_name)
    chunks = iter_chunks(ctx.blobs.open(prefix(export_id) + file_name))
    media = "application/zip" if file_name.endswith(".zip") else "application/json"
    return ExportStream(file_name, media, chunks, found.size_bytes)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "project"


def download_export(ctx: Context, actor: Actor, project_id: int, export_id: int) -> ExportStream:
    """The whole export, assembled while it is sent. Conflict while the job has not
    finished (or when it failed or was cancelled), saying what can be done instead."""
    row = _export_job(ctx, project_id, export_id)
    manifest = read_manifest(ctx.blobs, export_id)
    if row.state != JobState.DONE.value or manifest is None or not manifest.get("complete"):
        if row.state in (JobState.QUEUED.value, JobState.RUNNING.value):
            done = len(manifest["parts"]) if manifest else 0
            raise Conflict(
                f"Export {export_id} is still {row.state} ({done} parts complete so far); "
                f"download it when its job is done, or fetch the complete parts from "
                f"/api/projects/{project_id}/exports/{export_id}/files."
            )
        reason = f": {row.error}" if row.error else ""
        raise Conflict(f"Export {export_id} ended {row.state}{reason}; start a new export.")
    _audit_download(ctx, actor, project_id, export_id, "all")
    format_name = manifest["format"]
    suffix = {"json": ".json", "coco": ".coco.json", "masks": "-masks.zip"}[format_name]
    name = f"{_slug(manifest['project']['name'])}-export-{export_id}{suffix}"
    media = "application/zip" if format_name == "masks" else "application/json"
    return ExportStream(name, media, assemble(ctx.blobs, manifest))


job_kinds.register(EXPORT_KIND, run_export, check_params=_check_params)
