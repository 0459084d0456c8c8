"""What moving a project from one instruction to another does to its existing annotations.

Classes and attributes are matched by key, so renaming is safe. A change that would leave
existing objects invalid (their class gone, their tool or an attribute's type changed, a new
required attribute they lack) is a blocking problem, but only for classes that have objects:
`used` counts the objects per class key.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

from pixelwise.domain.instructions_attributes import AnyAttribute
from pixelwise.domain.instructions_base import Problem, join_path
from pixelwise.domain.instructions_model import Instruction, LabelClass


class MigrationReport(BaseModel):
    """`changes` to tell the person; `problems` that block the move (then `ok` is false)."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    changes: list[str]
    problems: list[Problem]


def _objects(count: int) -> str:
    return f"{count} existing object{'s' if count != 1 else ''}"


def migrate(old: Instruction, new: Instruction, used: Mapping[str, int]) -> MigrationReport:
    """The changes from `old` to `new`, and what blocks it given `used` (objects per class key).

    Paths of problems about removed things point into `old`; all others point into `new`.
    """
    changes: list[str] = []
    problems: list[Problem] = []
    new_keys = {label.key: index for index, label in enumerate(new.classes)}
    old_keys = {label.key for label in old.classes}
    for index, label in enumerate(old.classes):
        count = used.get(label.key, 0)
        if label.key not in new_keys:
            changes.append(f"class `{label.key}` ({label.name}) removed")
            if count > 0:
                message = (
                    f"class `{label.key}` is removed but {_objects(count)} use it; "
                    "keep the class, or delete or relabel those objects first"
                )
                problems.append(Problem(path=join_path("classes", index), message=message))
            continue
        where = new_keys[label.key]
        path = join_path("classes", where)
        _compare_class(label, new.classes[where], path, count, changes, problems)
    changes += [f"class `{c.key}` ({c.name}) added" for c in new.classes if c.key not in old_keys]
    _compare_questions(old, new, changes)
    return MigrationReport(ok=not problems, changes=changes, problems=problems)


def _compare_class(
    old: LabelClass,
    new: LabelClass,
    path: str,
    count: int,
    changes: list[str],
    problems: list[Problem],
) -> None:
    """Record what changed in one kept class; block changes its `count` objects cannot take."""
    if old.name != new.name:
        changes.append(f"class `{new.key}` renamed from {old.name!r} to {new.name!r}")
    if old.tool != new.tool:
        changes.append(f"class `{new.key}` tool changed from {old.tool} to {new.tool}")
        if count > 0:
            message = (
                f"the tool of class `{new.key}` changes from {old.tool} to {new.tool}, but "
                f"{_objects(count)} have {old.tool} geometry; add a new class instead"
            )
            problems.append(Problem(path=f"{path}.tool", message=message))
    before = {attribute.key: attribute for attribute in old.attributes}
    after = {attribute.key for attribute in new.attributes}
    changes += [
        f"class `{new.key}`: attribute `{key}` removed (its values are dropped)"
        for key in before
        if key not in after
    ]
    for index, attribute in enumerate(new.attributes):
        attribute_path = f"{path}.attributes[{index}]"
        previous = before.get(attribute.key)
        problem = _compare_attribute(new.key, previous, attribute, attribute_path, count, changes)
        if problem is not None and count > 0:
            problems.append(problem)


def _compare_attribute(
    label: str,
    old: AnyAttribute | None,
    new: AnyAttribute,
    path: str,
    count: int,
    changes: list[str],
) -> Problem | None:
    """Record the change of one attribute; the problem it causes if the class has objects."""
    name = f"class `{label}`: attribute `{new.key}`"
    if old is None:
        changes.append(f"{name} added")
        if new.required and new.default is None:
            return Problem(
                path=path,
                message=f"{name} is new and required without a default, so {_objects(count)} "
                "would be invalid; give it a default or make it optional",
            )
        return None
    if old.type != new.type:
        changes.append(f"{name} type changed from {old.type} to {new.type}")
        return Problem(
            path=f"{path}.type",
            message=f"{name} changes type from {old.type} to {new.type}, so the values of "
            f"{_objects(count)} would be invalid; add a new attribute instead",
        )
    if old.type in {"single_choice", "multiple_choice"}:
        old_choices = [choice.key for choice in getattr(old, "choices", [])]
        new_choices = {choice.key for choice in getattr(new, "choices", [])}
        removed = [key for key in old_choices if key not in new_choices]
        if removed:
            listed = ", ".join(f"`{key}`" for key in removed)
            changes.append(f"{name} choices removed: {listed} (those answers are cleared)")
    if new.required and not old.required and new.default is None:
        changes.append(f"{name} is now required")
        return Problem(
            path=f"{path}.required",
            message=f"{name} becomes required without a default, so those of the "
            f"{_objects(count)} that lack it would be invalid; give it a default",
        )
    return None


def _compare_questions(old: Instruction, new: Instruction, changes: list[str]) -> None:
    """Questions are answered per image; removing one only drops its answers."""
    old_keys = {question.key for question in old.questions}
    new_keys = {question.key for question in new.questions}
    changes += [f"question `{key}` removed" for key in sorted(old_keys - new_keys)]
    changes += [f"question `{key}` added" for key in sorted(new_keys - old_keys)]
