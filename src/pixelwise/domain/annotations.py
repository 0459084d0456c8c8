"""Annotation objects and saves, and the rules an object must meet under its instruction.

An object names its label class by key; the class's tool fixes which geometry it may have
(`TOOL_GEOMETRY`). Its attribute values and the item's image-level answers are checked
against the pinned instruction: unknown keys, wrong types and values outside the choice
list or range are rejected on every save; required values only when the item is
submitted, so autosave can keep a half-filled object. Every problem is `InvalidInput`
naming the object's position in the request (`put[2].attributes.color`) and its id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from pixelwise.domain.errors import InvalidInput
from pixelwise.domain.geometry import (
    Geometry,
    Mask3D,
    Points,
    area_of,
    bbox_of,
    parse_geometry,
    validate_geometry,
)
from pixelwise.domain.instructions_attributes import check_attribute_values
from pixelwise.domain.instructions_base import Problem, join_path
from pixelwise.domain.instructions_model import Instruction, LabelClass, Tool

MAX_OBJECTS_PER_SAVE = 10_000
MAX_OBJECTS_PER_ITEM = 100_000
MAX_TIME_SPENT = 86_400.0
OBJECT_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"

TOOL_GEOMETRY: Mapping[Tool, frozenset[str]] = {
    Tool.BOX: frozenset({"box"}),
    Tool.ROTATED_BOX: frozenset({"rotated_box"}),
    Tool.POLYGON: frozenset({"polygon"}),
    Tool.FREEHAND: frozenset({"polygon"}),
    Tool.POLYLINE: frozenset({"polyline"}),
    Tool.POINTS: frozenset({"points"}),
    Tool.SKELETON: frozenset({"points"}),
    Tool.MASK: frozenset({"mask", "mask3d"}),
    Tool.SUPERPIXEL: frozenset({"mask", "mask3d"}),
}
"""The geometry types an object of a class with this tool may have."""


class Source(StrEnum):
    """Who made an object: a person alone, a person with an assist tool, a model, a file."""

    MANUAL = "manual"
    ASSISTED = "assisted"
    MODEL = "model"
    IMPORTED = "imported"


ObjectId = Annotated[str, StringConstraints(pattern=OBJECT_ID_PATTERN)]
RequestId = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Seconds = Annotated[float, Field(ge=0, le=MAX_TIME_SPENT)]


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class ObjectIn(_Body):
    """One object as a client sends it. Without `id` the server gives it one. `time_spent`
    is the active seconds the client measured on this object in this save."""

    model_config = ConfigDict(populate_by_name=True)

    id: ObjectId | None = None
    class_key: str = Field(alias="class", min_length=1, max_length=64)
    geometry: dict[str, Any]
    attributes: dict[str, Any] = Field(default_factory=dict)
    source: Source = Source.MANUAL
    model: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    score: Annotated[float, Field(ge=0, le=1)] | None = None
    z_order: Annotated[int, Field(ge=-1_000_000, le=1_000_000)] = 0
    time_spent: Seconds = 0.0
    track_id: None = Field(
        default=None, description="Reserved for video tracks; must be absent or null."
    )


class AnnotationPatch(_Body):
    """An incremental save: objects to add or replace (`put`, by id), ids to `delete`, and
    optionally the item's new image-level `answers` (the whole map). `base_revision` is
    the revision the client edited; `request_id` makes a retried save harmless."""

    request_id: RequestId
    base_revision: Annotated[int, Field(ge=0)]
    put: list[ObjectIn] = Field(default_factory=list, max_length=MAX_OBJECTS_PER_SAVE)
    delete: list[ObjectId] = Field(default_factory=list, max_length=MAX_OBJECTS_PER_SAVE)
    answers: dict[str, Any] | None = None
    time_spent: Seconds = 0.0


class AnnotationReplace(_Body):
    """A whole-annotation save: these objects and answers become the item's annotation.
    Only what differs from the current revision is written."""

    request_id: RequestId
    base_revision: Annotated[int, Field(ge=0)]
    objects: list[ObjectIn] = Field(default_factory=list, max_length=MAX_OBJECTS_PER_SAVE)
    answers: dict[str, Any] = Field(default_factory=dict)
    time_spent: Seconds = 0.0


@dataclass(frozen=True)
class Plane:
    """The size of what is annotated: pixels, and the slice or frame count when it has one."""

    width: int
    height: int
    slices: int | None = None
    frames: int | None = None


@dataclass(frozen=True)
class CheckedObject:
    """An object that passed every rule: its geometry as clipped, and its warning flags."""

    uid: str | None
    class_key: str
    geometry: Geometry
    attributes: dict[str, Any]
    source: Source
    model: str | None
    score: float | None
    z_order: int
    time_spent: float
    flags: tuple[str, ...]

    @property
    def frame(self) -> int | None:
        return self.geometry.frame

    @property
    def slice(self) -> int | None:
        return None if isinstance(self.geometry, Mask3D) else self.geometry.slice

    @cached_property
    def _geometry_json(self) -> dict[str, Any]:
        return self.geometry.model_dump(mode="json", exclude_none=True)

    @cached_property
    def measures(self) -> tuple[float, float, float, float, float]:
        """(x, y, w, h) of the bounding box and the area, kept with the object so that
        exports and statistics need not work them out again."""
        return (*bbox_of(self.geometry), area_of(self.geometry))

    def geometry_json(self) -> dict[str, Any]:
        """The geometry as JSON-ready data (made once: a save writes it twice)."""
        return self._geometry_json


def _fail(message: str, field: str, uid: str | None) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", field=field, object_id=uid)


def _label_class(instruction: Instruction, key: str, field: str, uid: str | None) -> LabelClass:
    for label in instruction.classes:
        if label.key == key:
            return label
    known = ", ".join(label.key for label in instruction.classes) or "(none)"
    raise _fail(f"no class `{key}` in the project's instruction; use one of {known}.", field, uid)


def _check_skeleton(
    points: Points, label: LabelClass, instruction: Instruction, field: str, uid: str | None
) -> None:
    template = next(s for s in instruction.skeletons if s.key == label.skeleton)
    known = [keypoint.key for keypoint in template.keypoints]
    seen: set[str] = set()
    for index, point in enumerate(points.points):
        path = f"{field}.points[{index}].key"
        if point.key not in known:
            raise _fail(
                f"a skeleton point needs the key of one of its keypoints ({', '.join(known)}).",
                path,
                uid,
            )
        if point.key in seen:
            raise _fail(f"keypoint `{point.key}` is given twice.", path, uid)
        seen.add(point.key)


def check_object(
    raw: ObjectIn,
    instruction: Instruction,
    plane: Plane,
    *,
    field: str,
    require_complete: bool = False,
) -> CheckedObject:
    """`raw` checked against the pinned `instruction` and the asset's `plane`; `field` is
    where it sits in the request (`put[2]`)."""
    uid = raw.id
    label = _label_class(instruction, raw.class_key, f"{field}.class", uid)
    geometry = parse_geometry(raw.geometry, field=f"{field}.geometry")
    allowed = TOOL_GEOMETRY[label.tool]
    if geometry.type not in allowed:
        raise _fail(
            f"class `{label.key}` is drawn with the {label.tool.value} tool, so its geometry "
            f"type must be {' or '.join(sorted(allowed))}, not {geometry.type}.",
            f"{field}.geometry.type",
            uid,
        )
    try:
        geometry, flags = validate_geometry(
            geometry,
            width=plane.width,
            height=plane.height,
            slices=plane.slices,
            frames=plane.frames,
            field=f"{field}.geometry",
        )
    except InvalidInput as error:
        error.extra["object_id"] = uid
        raise
    if label.tool == Tool.SKELETON and isinstance(geometry, Points):
        _check_skeleton(geometry, label, instruction, f"{field}.geometry", uid)
    problems = check_attribute_values(
        label.attributes, raw.attributes, "attributes", required=require_complete
    )
    if problems:
        raise _problems_error([within_object(p, field) for p in problems], uid)
    if raw.source is Source.MANUAL and (raw.model is not None or raw.score is not None):
        raise _fail(
            "a manual object has no model or score; set source to assisted, model or "
            "imported, or leave them out.",
            f"{field}.source",
            uid,
        )
    return CheckedObject(
        uid=uid,
        class_key=label.key,
        geometry=geometry,
        attributes=dict(raw.attributes),
        source=raw.source,
        model=raw.model,
        score=raw.score,
        z_order=raw.z_order,
        time_spent=raw.time_spent,
        flags=tuple(flags),
    )


def within_object(problem: Problem, field: str) -> Problem:
    """`problem` with its path placed under the object at `field` (`put[2]`)."""
    return Problem(path=f"{field}.{problem.path}", message=problem.message)


def _problems_error(problems: Sequence[Problem], uid: str | None) -> InvalidInput:
    first = problems[0]
    detail = "; ".join(f"{p.path}: {p.message}" for p in problems)
    return InvalidInput(
        detail,
        field=first.path,
        object_id=uid,
        problems=[p.model_dump() for p in problems],
    )


def check_answers(
    instruction: Instruction, answers: Mapping[str, Any], *, require_complete: bool = False
) -> None:
    """The item's image-level answers against the instruction's questions."""
    questions = {question.key: question for question in instruction.questions}
    problems = [
        Problem(
            path=join_path("answers", key),
            message=f"no question `{key}` in the project's instruction",
        )
        for key in answers
        if key not in questions
    ]
    for key, question in questions.items():
        value = answers.get(key)
        path = join_path("answers", key)
        if value is None or value == "" or value == []:
            if question.required and require_complete:
                problems.append(Problem(path=path, message=f"`{question.text}` needs an answer"))
            continue
        if message := question.value_problem(value):
            problems.append(Problem(path=path, message=f"the answer {message}"))
    if problems:
        raise _problems_error(problems, None)


def check_unique_ids(objects: Sequence[ObjectIn], deletes: Sequence[str], field: str) -> None:
    """One save names each object once."""
    seen: set[str] = set()
    for index, raw in enumerate(objects):
        if raw.id is None:
            continue
        if raw.id in seen:
            raise _fail(f"object id `{raw.id}` is given twice.", f"{field}[{index}].id", raw.id)
        seen.add(raw.id)
    for index, uid in enumerate(deletes):
        if uid in seen:
            raise _fail(
                f"object `{uid}` is both put and deleted; do one or the other.",
                f"delete[{index}]",
                uid,
            )
