"""Filters over a project's work items, as a small JSON language shared by the item list,
the search endpoint and exports.

    {"and": [F, ...]}  {"or": [F, ...]}  {"not": F}
    {"state": "submitted"}  or  {"state": ["queued", "submitted"]}
    {"annotator": 12}           a revision of the item was saved by user 12
    {"assignee": 12}            the item is assigned to user 12
    {"class": "car"}            the item has an object of class `car`
    {"attribute": "color", "equals": "red"}                 some object's attribute is (or,
    {"attribute": "color", "equals": "red", "class": "car"}  for multiple choice, includes)
                                                            the value; optionally of a class
    {"answer": "weather", "equals": "sunny"}                an image-level answer is / includes
    {"empty": true}             the item has no object (false: at least one)
    {"source": "model"}         the item has an object made by that source

A filter is at most `MAX_DEPTH` levels deep and `MAX_NODES` conditions in all.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from pixelwise.domain.annotations import Source
from pixelwise.domain.errors import InvalidInput

MAX_DEPTH = 8
MAX_NODES = 100
ITEM_STATES = ("queued", "leased", "submitted", "skipped", "in_review", "accepted", "rejected")

Scalar = str | int | float | bool
KeyText = Annotated[str, Field(min_length=1, max_length=64)]
UserId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class And(_Node):
    all_of: list[ItemFilter] = Field(alias="and", min_length=1)


class Or(_Node):
    any_of: list[ItemFilter] = Field(alias="or", min_length=1)


class Not(_Node):
    negated: ItemFilter = Field(alias="not")


class StateIs(_Node):
    state: list[str] | str

    def states(self) -> list[str]:
        return [self.state] if isinstance(self.state, str) else list(self.state)


class AnnotatorIs(_Node):
    annotator: UserId


class AssigneeIs(_Node):
    assignee: UserId


class HasClass(_Node):
    class_key: KeyText = Field(alias="class")


class AttributeIs(_Node):
    attribute: KeyText
    equals: Scalar
    class_key: KeyText | None = Field(default=None, alias="class")


class AnswerIs(_Node):
    answer: KeyText
    equals: Scalar


class IsEmpty(_Node):
    empty: bool


class HasSource(_Node):
    source: Source


ItemFilter = Union[  # noqa: UP007 - a forward-referencing union needs Union here
    And, Or, Not, StateIs, AnnotatorIs, AssigneeIs, HasClass, AttributeIs, AnswerIs, IsEmpty,
    HasSource,
]  # fmt: skip

for _model in (And, Or, Not):
    _model.model_rebuild()

_ADAPTER: TypeAdapter[ItemFilter] = TypeAdapter(ItemFilter)


def _shape(node: ItemFilter, depth: int) -> int:
    """The number of conditions in `node`; InvalidInput when it is too deep."""
    if depth > MAX_DEPTH:
        raise InvalidInput(
            f"filter is nested more than {MAX_DEPTH} levels deep; flatten it.", field="filter"
        )
    if isinstance(node, And):
        return 1 + sum(_shape(child, depth + 1) for child in node.all_of)
    if isinstance(node, Or):
        return 1 + sum(_shape(child, depth + 1) for child in node.any_of)
    if isinstance(node, Not):
        return 1 + _shape(node.negated, depth + 1)
    if isinstance(node, StateIs):
        unknown = [state for state in node.states() if state not in ITEM_STATES]
        if unknown or not node.states():
            raise InvalidInput(
                f"filter: unknown item state {unknown[0] if unknown else '(none)'}; "
                f"states are {', '.join(ITEM_STATES)}.",
                field="filter.state",
            )
    return 1


def parse_filter(data: object) -> ItemFilter | None:
    """The filter that JSON-like `data` (or a JSON string of it) describes; None for no
    filter. InvalidInput with the reason otherwise."""
    if data is None or data == "" or data == {}:
        return None
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            raise InvalidInput(
                "filter is not valid JSON; see the item filter language in the API docs.",
                field="filter",
            ) from None
        if data == {}:
            return None
    if not isinstance(data, dict):
        raise InvalidInput('filter must be a JSON object like {"class": "car"}.', field="filter")
    try:
        node = _ADAPTER.validate_python(data)
    except ValidationError:
        raise InvalidInput(
            f"filter {json.dumps(data)[:200]} is not understood: each condition is one of "
            "and, or, not, state, annotator, assignee, class, attribute+equals, "
            "answer+equals, empty, source.",
            field="filter",
        ) from None
    if _shape(node, 1) > MAX_NODES:
        raise InvalidInput(f"filter has more than {MAX_NODES} conditions.", field="filter")
    return node


def filter_json(node: ItemFilter | None) -> dict[str, Any] | None:
    """`node` as JSON-ready data (what `parse_filter` reads back)."""
    if node is None:
        return None
    return node.model_dump(mode="json", by_alias=True, exclude_none=True)
