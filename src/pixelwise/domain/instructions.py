"""The labeling instruction: what annotators label in a project, as a validated JSON document.

`parse_instruction` turns submitted JSON into an `Instruction` or raises `InstructionError`
listing every problem at its exact JSON path (`classes[2].attributes[0].choices`), so the API
can answer with all of them at once. `instruction_json_schema` is the published schema of the
document; `migrate` tells what switching a project to a new instruction does to its objects;
`check_attribute_values` validates the attribute values of one object.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from pixelwise.domain.instructions_attributes import (
    ATTRIBUTE_TYPES,
    AnyAttribute,
    Attribute,
    BooleanAttribute,
    BooleanQuestion,
    MultipleChoiceAttribute,
    MultipleChoiceQuestion,
    NumberAttribute,
    NumberQuestion,
    Question,
    SingleChoiceAttribute,
    SingleChoiceQuestion,
    TextAttribute,
    TextQuestion,
    check_attribute_values,
)
from pixelwise.domain.instructions_base import (
    PATTERN_HINTS,
    RESERVED_KEYS,
    RULE_ERROR,
    Choice,
    InstructionError,
    Problem,
    join_path,
    within,
)
from pixelwise.domain.instructions_migrate import MigrationReport, migrate
from pixelwise.domain.instructions_model import (
    Instruction,
    Keypoint,
    LabelClass,
    SkeletonTemplate,
    Tool,
)

SCHEMA_ID = "urn:pixelwise:schema:labeling-instruction:1"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Lists whose items are a union on `type`: pydantic puts the type in the error location.
_UNION_LISTS = frozenset({"attributes", "questions"})


def parse_instruction(data: object) -> Instruction:
    """The instruction in `data` (parsed JSON); InstructionError listing every problem."""
    try:
        return Instruction.model_validate(data)
    except ValidationError as error:
        problems = [problem for item in error.errors() for problem in _problems(item)]
        raise InstructionError(problems) from None


@functools.cache
def _schema() -> dict[str, Any]:
    schema = Instruction.model_json_schema()
    schema.update(
        {
            "$schema": SCHEMA_DIALECT,
            "$id": SCHEMA_ID,
            "title": "Pixelwise labeling instruction",
            "description": "The label classes, image-level questions and skeleton templates of "
            "a project. Keys must be unique within their list and names of classes unique "
            "ignoring case; the server checks these rules too and reports each at its path.",
        }
    )
    return schema


def instruction_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of an instruction document, with `$id` and title."""
    return copy.deepcopy(_schema())


def _path(loc: tuple[int | str, ...]) -> str:
    """The JSON path of a pydantic location, without the union tags pydantic inserts."""
    parts = [
        part
        for index, part in enumerate(loc)
        if not (
            index >= 2
            and part in ATTRIBUTE_TYPES
            and isinstance(loc[index - 1], int)
            and loc[index - 2] in _UNION_LISTS
        )
    ]
    return join_path(*parts)


def _problems(error: ErrorDetails) -> list[Problem]:
    """The problems one pydantic error stands for, with messages a person can act on."""
    path = _path(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == RULE_ERROR:
        return [Problem(path=within(path, rel), message=msg) for rel, msg in ctx["problems"]]
    if kind in {"union_tag_invalid", "union_tag_not_found"}:
        message = f"`type` must be one of {ctx.get('expected_tags', 'the listed types')}"
        if kind == "union_tag_not_found":
            message = "needs a `type`; see the schema for the types allowed here"
        return [Problem(path=within(path, "type"), message=message)]
    return [Problem(path=path, message=_message(error, path))]


def _message(error: ErrorDetails, path: str) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in PATTERN_HINTS:
        return str(PATTERN_HINTS[ctx["pattern"]])
    if kind == "extra_forbidden":
        if path.endswith(".choices"):
            return "only single_choice and multiple_choice types have choices; remove them"
        name = error["loc"][-1] if error["loc"] else ""
        return f"`{name}` is not a field here; remove it or check its spelling"
    if kind == "missing":
        return "this field is required"
    if not path and kind in {"model_type", "model_attributes_type"}:
        return "the instruction must be a JSON object"
    message = error["msg"]
    return message[:1].lower() + message[1:]


__all__ = [
    "RESERVED_KEYS",
    "SCHEMA_ID",
    "AnyAttribute",
    "Attribute",
    "BooleanAttribute",
    "BooleanQuestion",
    "Choice",
    "Instruction",
    "InstructionError",
    "Keypoint",
    "LabelClass",
    "MigrationReport",
    "MultipleChoiceAttribute",
    "MultipleChoiceQuestion",
    "NumberAttribute",
    "NumberQuestion",
    "Problem",
    "Question",
    "SingleChoiceAttribute",
    "SingleChoiceQuestion",
    "SkeletonTemplate",
    "TextAttribute",
    "TextQuestion",
    "Tool",
    "check_attribute_values",
    "instruction_json_schema",
    "migrate",
    "parse_instruction",
]
