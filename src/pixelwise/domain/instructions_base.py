"""Building blocks of the labeling instruction: field types, limits, and how problems are told.

Every rule that spans several fields (duplicates, references) reports a `Problem` whose path
is relative to the model that checks it; `parse_instruction` prefixes the location of that
model, so each problem names the exact element of the submitted JSON document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic_core import PydanticCustomError

from pixelwise.domain.errors import InvalidInput

MAX_CLASSES = 1000
MAX_ATTRIBUTES = 200
MAX_CHOICES = 1000
MAX_QUESTIONS = 200
MAX_SKELETONS = 100
MAX_KEYPOINTS = 200
MAX_EDGES = 1000
MAX_TEXT_LENGTH = 100_000
MAX_GUIDELINES = 100_000
MAX_DESCRIPTION = 2000

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"
HOTKEY_PATTERN = r"^(?:[A-Za-z0-9]|[Ff](?:[1-9]|1[0-2]))$"

# Fields of an annotation object: an attribute with one of these keys would shadow them.
RESERVED_KEYS = frozenset(
    {"id", "class", "type", "source", "score", "model", "geometry", "attributes", "z_order"}
)

RULE_ERROR = "instruction_rule"

Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(max_length=MAX_DESCRIPTION)]
Color = Annotated[str, StringConstraints(pattern=COLOR_PATTERN)]
Hotkey = Annotated[str, StringConstraints(pattern=HOTKEY_PATTERN)]

# What a person should read instead of a bare regular expression.
PATTERN_HINTS = {
    KEY_PATTERN: "must be 1-63 characters: a lowercase letter, then lowercase letters, "
    "digits or underscores (like `traffic_light`)",
    COLOR_PATTERN: "must be a colour written `#rrggbb` (like `#ff8800`)",
    HOTKEY_PATTERN: "must be a single letter, a digit, or one of F1-F12",
}

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

T = TypeVar("T")


class Frozen(BaseModel):
    """Base of every instruction model: immutable, strict, and no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


class Problem(BaseModel):
    """One thing wrong, at `path` (a JSON path like `classes[2].attributes[0].choices`)."""

    model_config = ConfigDict(frozen=True)

    path: str
    message: str


class InstructionError(InvalidInput):
    """An instruction document is invalid; `problems` lists everything found, in order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        first = problems[0]
        more = len(problems) - 1
        where = f"{first.path}: " if first.path else ""
        tail = f" ({more} more problem{'s' if more > 1 else ''} listed)" if more else ""
        super().__init__(
            f"{where}{first.message}{tail}",
            field=first.path,
            problems=[{"path": problem.path, "message": problem.message} for problem in problems],
        )
        self.problems = list(problems)


class Choice(Frozen):
    """One option of a choice attribute or question: a stable key and the shown name."""

    key: Key
    name: Name


def join_path(*parts: str | int) -> str:
    """A JSON path from raw keys and indexes: ("classes", 2, "key") -> `classes[2].key`.

    A key that is not a plain identifier is quoted: ("hotkeys", "a b") -> `hotkeys["a b"]`.
    """
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _IDENTIFIER.match(part):
            path += f".{part}" if path else part
        else:
            path += f"[{json.dumps(part)}]"
    return path


def within(base: str, relative: str) -> str:
    """The path `relative` (already a path) inside the element at `base`."""
    if not base or not relative:
        return base or relative
    return base + relative if relative.startswith("[") else f"{base}.{relative}"


def duplicates(items: Iterable[T], key: Callable[[T], str]) -> list[tuple[int, int]]:
    """(index, index of the first item with the same key) for every repeated item."""
    first: dict[str, int] = {}
    found: list[tuple[int, int]] = []
    for index, item in enumerate(items):
        value = key(item)
        if value in first:
            found.append((index, first[value]))
        else:
            first[value] = index
    return found


def rule_error(problems: Sequence[Problem]) -> PydanticCustomError:
    """A validation error carrying `problems` (paths relative to the model that raises it)."""
    summary = "; ".join(f"{p.path}: {p.message}" if p.path else p.message for p in problems)
    pairs = [(p.path, p.message) for p in problems]
    return PydanticCustomError(RULE_ERROR, "{summary}", {"summary": summary, "problems": pairs})


def unique_keys(
    items: Sequence[T], field: str, key: Callable[[T], str], what: str
) -> list[Problem]:
    """A problem at `field[i].key` for each item whose key repeats an earlier one."""
    return [
        Problem(
            path=join_path(field, index, "key"),
            message=f"duplicate {what} key `{key(items[index])}` (already used by "
            f"{join_path(field, earlier)}); give each {what} its own key",
        )
        for index, earlier in duplicates(items, key)
    ]


def raise_if(problems: Sequence[Problem]) -> None:
    """Raise the rule error for `problems`, if there are any."""
    if problems:
        raise rule_error(problems)
