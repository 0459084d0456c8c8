"""The labeling instruction document: label classes, skeleton templates, and their rules.

Field-level rules live in the field types; rules that compare several elements (duplicate
keys, names and hotkeys, references to skeletons) are model validators that report every
offending element at its own path.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints, model_validator

from pixelwise.domain.instructions_attributes import Attribute, Question, _ChoiceQuestion
from pixelwise.domain.instructions_base import (
    MAX_ATTRIBUTES,
    MAX_CLASSES,
    MAX_EDGES,
    MAX_GUIDELINES,
    MAX_KEYPOINTS,
    MAX_QUESTIONS,
    MAX_SKELETONS,
    Color,
    Description,
    Frozen,
    Hotkey,
    Key,
    Name,
    Problem,
    duplicates,
    join_path,
    raise_if,
    unique_keys,
)


class Tool(StrEnum):
    """The drawing tool of a label class, which fixes the geometry of its objects."""

    BOX = "box"
    ROTATED_BOX = "rotated_box"
    POLYGON = "polygon"
    POLYLINE = "polyline"
    POINTS = "points"
    SKELETON = "skeleton"
    MASK = "mask"
    SUPERPIXEL = "superpixel"
    FREEHAND = "freehand"


def _pair(value: object) -> object:
    """JSON has no tuples: accept a two-item list as an edge."""
    return tuple(value) if isinstance(value, list) else value


Edge = Annotated[tuple[Key, Key], BeforeValidator(_pair)]
Coordinate = Annotated[float, Field(ge=0, le=1)]


class Keypoint(Frozen):
    """A named point of a skeleton; `default_x`/`default_y` place it in a unit box."""

    key: Key
    name: Name
    default_x: Coordinate = 0.5
    default_y: Coordinate = 0.5


class SkeletonTemplate(Frozen):
    """Keypoints and the edges drawn between them (undirected, no loops, no repeats)."""

    key: Key
    name: Name
    keypoints: list[Keypoint] = Field(min_length=1, max_length=MAX_KEYPOINTS)
    edges: list[Edge] = Field(default_factory=list, max_length=MAX_EDGES)

    @model_validator(mode="after")
    def _check(self) -> SkeletonTemplate:
        problems = unique_keys(self.keypoints, "keypoints", lambda k: k.key, "keypoint")
        known = {keypoint.key for keypoint in self.keypoints}
        seen: dict[frozenset[str], int] = {}
        for index, (start, end) in enumerate(self.edges):
            path = join_path("edges", index)
            unknown = [key for key in (start, end) if key not in known]
            if unknown:
                message = f"edge names keypoint `{unknown[0]}`, which this skeleton does not have"
                problems.append(Problem(path=path, message=message))
            elif start == end:
                message = f"edge joins `{start}` to itself; an edge needs two keypoints"
                problems.append(Problem(path=path, message=message))
            elif (pair := frozenset((start, end))) in seen:
                message = f"edge repeats {join_path('edges', seen[pair])}; list each edge once"
                problems.append(Problem(path=path, message=message))
            else:
                seen[pair] = index
        raise_if(problems)
        return self


class LabelClass(Frozen):
    """What annotators draw: a named, coloured class with one tool and its attributes."""

    key: Key
    name: Name
    color: Color
    tool: Annotated[Tool, Field(strict=False)]
    hotkey: Hotkey | None = None
    description: Description = ""
    attributes: list[Attribute] = Field(default_factory=list, max_length=MAX_ATTRIBUTES)
    skeleton: Key | None = None

    @model_validator(mode="after")
    def _check(self) -> LabelClass:
        problems = unique_keys(self.attributes, "attributes", lambda a: a.key, "attribute")
        if self.tool == Tool.SKELETON and self.skeleton is None:
            message = "a skeleton class needs `skeleton`: the key of one of `skeletons`"
            problems.append(Problem(path="skeleton", message=message))
        if self.tool != Tool.SKELETON and self.skeleton is not None:
            message = "only skeleton classes name a skeleton; remove it or set tool to skeleton"
            problems.append(Problem(path="skeleton", message=message))
        raise_if(problems)
        return self


class Instruction(Frozen):
    """The whole labeling instruction of a project, as published to annotators."""

    title: Annotated[str, StringConstraints(max_length=200)] | None = None
    guidelines: Annotated[str, StringConstraints(max_length=MAX_GUIDELINES)] | None = None
    classes: list[LabelClass] = Field(default_factory=list, max_length=MAX_CLASSES)
    questions: list[Question] = Field(default_factory=list, max_length=MAX_QUESTIONS)
    skeletons: list[SkeletonTemplate] = Field(default_factory=list, max_length=MAX_SKELETONS)

    @model_validator(mode="after")
    def _check(self) -> Instruction:
        problems = unique_keys(self.classes, "classes", lambda c: c.key, "class")
        for index, earlier in duplicates(self.classes, lambda c: c.name.casefold()):
            message = (
                f"class name `{self.classes[index].name}` is already used by "
                f"{join_path('classes', earlier)} (names are compared ignoring case)"
            )
            problems.append(Problem(path=join_path("classes", index, "name"), message=message))
        problems += unique_keys(self.questions, "questions", lambda q: q.key, "question")
        problems += unique_keys(self.skeletons, "skeletons", lambda s: s.key, "skeleton")
        problems += self._skeleton_references()
        problems += self._hotkey_clashes()
        raise_if(problems)
        return self

    def _skeleton_references(self) -> list[Problem]:
        known = [skeleton.key for skeleton in self.skeletons]
        return [
            Problem(
                path=join_path("classes", index, "skeleton"),
                message=f"no skeleton has key `{label.skeleton}`; "
                f"add it to `skeletons` or use one of {', '.join(known) or '(none defined)'}",
            )
            for index, label in enumerate(self.classes)
            if label.skeleton is not None and label.skeleton not in known
        ]

    def _hotkey_clashes(self) -> list[Problem]:
        """Hotkeys are active together in the annotation tool, so each is used once."""
        owners: dict[str, str] = {}
        problems = []
        for path, hotkey in self._hotkeys():
            if (owner := owners.setdefault(hotkey.lower(), path)) != path:
                message = f"hotkey `{hotkey}` is already used by {owner}; choose another key"
                problems.append(Problem(path=path, message=message))
        return problems

    def _hotkeys(self) -> list[tuple[str, str]]:
        found = [
            (join_path("classes", index, "hotkey"), label.hotkey)
            for index, label in enumerate(self.classes)
            if label.hotkey is not None
        ]
        for index, question in enumerate(self.questions):
            if isinstance(question, _ChoiceQuestion):
                found += [
                    (join_path("questions", index, "hotkeys", choice), hotkey)
                    for choice, hotkey in question.hotkeys.items()
                ]
        return found
