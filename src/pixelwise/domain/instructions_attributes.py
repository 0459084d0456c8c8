"""Attributes of a label class and image-level questions, and the check of their values.

An attribute and a question share their value types (text, number, boolean, single and
multiple choice); each type is one "spec" model that knows its valid values. The spec checks
its own `default` with the same rule as `check_attribute_values` uses for annotators' answers,
so a default can never be a value the annotation tool would then reject.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from pixelwise.domain.instructions_base import (
    MAX_CHOICES,
    MAX_TEXT_LENGTH,
    RESERVED_KEYS,
    Choice,
    Description,
    Frozen,
    Hotkey,
    Key,
    Name,
    Problem,
    join_path,
    raise_if,
    unique_keys,
)


def _not_reserved(key: str) -> str:
    if key in RESERVED_KEYS:
        raise PydanticCustomError(
            "reserved_key",
            "`{key}` is a field of every annotation object and cannot be an attribute key; "
            "choose another key (reserved: {reserved})",
            {"key": key, "reserved": ", ".join(sorted(RESERVED_KEYS))},
        )
    return key


AttributeKey = Annotated[Key, AfterValidator(_not_reserved)]
QuestionText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
]


def _listing(keys: Sequence[str]) -> str:
    shown = ", ".join(f"`{key}`" for key in keys[:10])
    return shown + (f" and {len(keys) - 10} more" if len(keys) > 10 else "")


class _Spec(Frozen):
    """A value type; subclasses say which values are valid."""

    def value_problem(self, value: object) -> str | None:
        """Why `value` is not valid for this type, or None when it is."""
        raise NotImplementedError

    def _default_problems(self, default: object) -> list[Problem]:
        message = None if default is None else self.value_problem(default)
        return [Problem(path="default", message=f"the default {message}")] if message else []


class _TextSpec(_Spec):
    type: Literal["text"]
    max_length: int = Field(default=1000, ge=1, le=MAX_TEXT_LENGTH)
    default: str | None = None

    def value_problem(self, value: object) -> str | None:
        if not isinstance(value, str):
            return "must be text"
        if len(value) > self.max_length:
            return f"must be at most {self.max_length} characters, not {len(value)}"
        return None

    @model_validator(mode="after")
    def _check(self) -> _TextSpec:
        raise_if(self._default_problems(self.default))
        return self


class _NumberSpec(_Spec):
    type: Literal["number"]
    min: float | None = None
    max: float | None = None
    step: float | None = Field(default=None, gt=0)
    integer: bool = False
    default: float | None = None

    def value_problem(self, value: object) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "must be a number"
        if not math.isfinite(value):
            return "must be a finite number"
        if self.integer and not float(value).is_integer():
            return f"must be a whole number, not {value}"
        if self.min is not None and value < self.min:
            return f"must be at least {self.min:g}, not {value}"
        if self.max is not None and value > self.max:
            return f"must be at most {self.max:g}, not {value}"
        return None

    @model_validator(mode="after")
    def _check(self) -> _NumberSpec:
        problems = []
        if self.min is not None and self.max is not None and self.min > self.max:
            message = f"max ({self.max:g}) is below min ({self.min:g}); swap them"
            problems.append(Problem(path="max", message=message))
        else:
            problems += self._default_problems(self.default)
        raise_if(problems)
        return self


class _BooleanSpec(_Spec):
    type: Literal["boolean"]
    default: bool | None = None

    def value_problem(self, value: object) -> str | None:
        return None if isinstance(value, bool) else "must be true or false"


class _ChoiceSpec(_Spec):
    """Shared by single and multiple choice: the options and their unique keys."""

    choices: list[Choice] = Field(min_length=1, max_length=MAX_CHOICES)

    def choice_keys(self) -> list[str]:
        return [choice.key for choice in self.choices]

    def _key_problem(self, value: object) -> str | None:
        if not isinstance(value, str) or value not in self.choice_keys():
            return f"must be one of the choice keys {_listing(self.choice_keys())}"
        return None

    def _choice_problems(self, default: object) -> list[Problem]:
        problems = unique_keys(self.choices, "choices", lambda c: c.key, "choice")
        return problems or self._default_problems(default)


class _SingleChoiceSpec(_ChoiceSpec):
    type: Literal["single_choice"]
    display: Literal["dropdown", "radio"] = "dropdown"
    default: str | None = None

    def value_problem(self, value: object) -> str | None:
        return self._key_problem(value)

    @model_validator(mode="after")
    def _check(self) -> _SingleChoiceSpec:
        raise_if(self._choice_problems(self.default))
        return self


class _MultipleChoiceSpec(_ChoiceSpec):
    type: Literal["multiple_choice"]
    display: Literal["checkboxes"] = "checkboxes"
    default: list[str] | None = None

    def value_problem(self, value: object) -> str | None:
        if not isinstance(value, list):
            return "must be a list of choice keys"
        for item in value:
            if problem := self._key_problem(item):
                return f"lists `{item}`, but each item {problem}"
        if len(set(value)) != len(value):
            return "lists a choice more than once; list each choice at most once"
        return None

    @model_validator(mode="after")
    def _check(self) -> _MultipleChoiceSpec:
        raise_if(self._choice_problems(self.default))
        return self


class _AttributeBase(Frozen):
    key: AttributeKey
    name: Name
    required: bool = False
    description: Description = ""


class TextAttribute(_AttributeBase, _TextSpec):
    """Free text, at most `max_length` characters."""


class NumberAttribute(_AttributeBase, _NumberSpec):
    """A number within [`min`, `max`]; whole numbers only when `integer`."""


class BooleanAttribute(_AttributeBase, _BooleanSpec):
    """Yes or no (a checkbox)."""


class SingleChoiceAttribute(_AttributeBase, _SingleChoiceSpec):
    """Exactly one of `choices`, shown as a dropdown or radio buttons."""


class MultipleChoiceAttribute(_AttributeBase, _MultipleChoiceSpec):
    """Any set of distinct `choices`, shown as checkboxes."""


Attribute = Annotated[
    TextAttribute
    | NumberAttribute
    | BooleanAttribute
    | SingleChoiceAttribute
    | MultipleChoiceAttribute,
    Field(discriminator="type"),
]
ATTRIBUTE_TYPES = frozenset({"text", "number", "boolean", "single_choice", "multiple_choice"})


class _QuestionBase(Frozen):
    key: Key
    text: QuestionText
    required: bool = False
    description: Description = ""


class _ChoiceQuestion(_QuestionBase, _ChoiceSpec):
    """A choice question may give some choices a hotkey (choice key -> key)."""

    hotkeys: dict[str, Hotkey] = Field(default_factory=dict, max_length=MAX_CHOICES)

    @model_validator(mode="after")
    def _check_hotkeys(self) -> _ChoiceQuestion:
        keys = set(self.choice_keys())
        problems = [
            Problem(
                path=join_path("hotkeys", choice),
                message=f"`{choice}` is not a choice of this question; "
                f"use one of {_listing(self.choice_keys())}",
            )
            for choice in self.hotkeys
            if choice not in keys
        ]
        seen: dict[str, str] = {}
        for choice, hotkey in self.hotkeys.items():
            if hotkey.lower() in seen:
                message = f"hotkey `{hotkey}` is already used by choice `{seen[hotkey.lower()]}`"
                problems.append(Problem(path=join_path("hotkeys", choice), message=message))
            seen.setdefault(hotkey.lower(), choice)
        raise_if(problems)
        return self


class TextQuestion(_QuestionBase, _TextSpec):
    """An image-level free-text answer."""


class NumberQuestion(_QuestionBase, _NumberSpec):
    """An image-level number."""


class BooleanQuestion(_QuestionBase, _BooleanSpec):
    """An image-level yes or no."""


class SingleChoiceQuestion(_ChoiceQuestion, _SingleChoiceSpec):
    """An image-level classification with exactly one answer."""


class MultipleChoiceQuestion(_ChoiceQuestion, _MultipleChoiceSpec):
    """An image-level tagging with any set of answers."""


Question = Annotated[
    SingleChoiceQuestion | MultipleChoiceQuestion | TextQuestion | NumberQuestion | BooleanQuestion,
    Field(discriminator="type"),
]

AnyAttribute = (
    TextAttribute
    | NumberAttribute
    | BooleanAttribute
    | SingleChoiceAttribute
    | MultipleChoiceAttribute
)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, str | list) and not value)


def check_attribute_values(
    attributes: Sequence[AnyAttribute],
    values: Mapping[str, object],
    prefix: str = "attributes",
    *,
    required: bool = True,
) -> list[Problem]:
    """Every problem with the attribute `values` of one object, at paths like
    `attributes.color`: unknown keys, required values missing (None, "" or []; only when
    `required`, as a draft may leave them empty until it is submitted), and values of the
    wrong type or out of range. An empty result means the values are valid."""
    by_key = {attribute.key: attribute for attribute in attributes}
    problems = [
        Problem(
            path=join_path(prefix, key),
            message=f"unknown attribute; this class has {_listing(list(by_key)) or 'none'}",
        )
        for key in values
        if key not in by_key
    ]
    for attribute in attributes:
        value = values.get(attribute.key)
        path = join_path(prefix, attribute.key)
        if _missing(value):
            if attribute.required and required:
                problems.append(Problem(path=path, message=f"{attribute.name} is required"))
            continue
        if message := attribute.value_problem(value):
            problems.append(Problem(path=path, message=f"{attribute.name} {message}"))
    return problems


__all__ = [
    "ATTRIBUTE_TYPES",
    "AnyAttribute",
    "Attribute",
    "BooleanAttribute",
    "BooleanQuestion",
    "MultipleChoiceAttribute",
    "MultipleChoiceQuestion",
    "NumberAttribute",
    "NumberQuestion",
    "Question",
    "SingleChoiceAttribute",
    "SingleChoiceQuestion",
    "TextAttribute",
    "TextQuestion",
    "check_attribute_values",
]
