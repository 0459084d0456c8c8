"""The labeling instruction: valid documents round-trip, each rule names the exact JSON path
of what breaks it, migrations report what they do to existing objects, and attribute values
are checked against their attribute."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pixelwise.domain.errors import InvalidInput
from pixelwise.domain.instructions import (
    SCHEMA_ID,
    Instruction,
    InstructionError,
    Problem,
    check_attribute_values,
    instruction_json_schema,
    migrate,
    parse_instruction,
)

VALID: dict[str, Any] = {
    "title": "Street scenes",
    "guidelines": "# Rules\nDraw a box around every **vehicle**.",
    "classes": [
        {
            "key": "car",
            "name": "Car",
            "color": "#ff0000",
            "tool": "box",
            "hotkey": "c",
            "description": "Passenger cars and vans.",
            "attributes": [
                {
                    "key": "colour",
                    "name": "Colour",
                    "type": "single_choice",
                    "display": "radio",
                    "required": True,
                    "choices": [{"key": "red", "name": "Red"}, {"key": "blue", "name": "Blue"}],
                    "default": "red",
                },
                {
                    "key": "parts",
                    "name": "Visible parts",
                    "type": "multiple_choice",
                    "choices": [{"key": "door", "name": "Door"}, {"key": "wheel", "name": "Wheel"}],
                    "default": ["wheel"],
                },
                {
                    "key": "occluded",
                    "name": "Occluded",
                    "type": "number",
                    "min": 0,
                    "max": 100,
                    "step": 5,
                    "integer": True,
                    "default": 0,
                },
                {"key": "plate", "name": "Plate", "type": "text", "max_length": 12},
                {"key": "parked", "name": "Parked", "type": "boolean", "default": False},
            ],
        },
        {"key": "road", "name": "Road", "color": "#00FF00", "tool": "polygon", "hotkey": "F2"},
        {
            "key": "person",
            "name": "Person",
            "color": "#0000ff",
            "tool": "skeleton",
            "skeleton": "body",
        },
        {"key": "lane", "name": "Lane", "color": "#123456", "tool": "polyline"},
        {"key": "sky", "name": "Sky", "color": "#abcdef", "tool": "mask"},
    ],
    "questions": [
        {
            "key": "weather",
            "text": "What is the weather?",
            "type": "single_choice",
            "required": True,
            "choices": [{"key": "sunny", "name": "Sunny"}, {"key": "rain", "name": "Rain"}],
            "hotkeys": {"sunny": "1", "rain": "2"},
        },
        {
            "key": "tags",
            "text": "Tags",
            "type": "multiple_choice",
            "choices": [{"key": "night", "name": "Night"}],
        },
        {"key": "notes", "text": "Notes", "type": "text"},
        {"key": "cars", "text": "How many cars?", "type": "number", "min": 0, "integer": True},
        {"key": "blurry", "text": "Blurry?", "type": "boolean"},
    ],
    "skeletons": [
        {
            "key": "body",
            "name": "Body",
            "keypoints": [
                {"key": "head", "name": "Head", "default_x": 0.5, "default_y": 0.1},
                {"key": "left_hand", "name": "Left hand", "default_x": 0.2, "default_y": 0.5},
                {"key": "right_hand", "name": "Right hand", "default_x": 0.8, "default_y": 0.5},
            ],
            "edges": [["head", "left_hand"], ["head", "right_hand"]],
        }
    ],
}


def edited(edit: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    """A copy of VALID changed by `edit`."""
    doc = copy.deepcopy(VALID)
    edit(doc)
    return doc


def problems_of(data: object) -> list[Problem]:
    with pytest.raises(InstructionError) as caught:
        parse_instruction(data)
    return caught.value.problems


def car(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["classes"][0]  # type: ignore[no-any-return]


def attr(doc: dict[str, Any], index: int) -> dict[str, Any]:
    return car(doc)["attributes"][index]  # type: ignore[no-any-return]


def body(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["skeletons"][0]  # type: ignore[no-any-return]


def many_classes(doc: dict[str, Any]) -> None:
    doc["classes"] = [
        {"key": f"c{i}", "name": f"C{i}", "color": "#000000", "tool": "box"} for i in range(1001)
    ]
    doc["skeletons"] = []


def many_attributes(doc: dict[str, Any]) -> None:
    car(doc)["attributes"] = [
        {"key": f"a{i}", "name": f"A{i}", "type": "boolean"} for i in range(201)
    ]


def many_choices(doc: dict[str, Any]) -> None:
    attr(doc, 0)["choices"] = [{"key": f"k{i}", "name": f"K{i}"} for i in range(1001)]


BAD: list[tuple[str, Callable[[dict[str, Any]], object], str]] = [
    ("unknown top field", lambda d: d.update(bogus=1), "bogus"),
    ("guidelines too long", lambda d: d.update(guidelines="x" * 100_001), "guidelines"),
    ("class key pattern", lambda d: car(d).update(key="Car"), "classes[0].key"),
    ("class key too long", lambda d: car(d).update(key="a" * 64), "classes[0].key"),
    ("class name empty", lambda d: car(d).update(name="  "), "classes[0].name"),
    ("class name too long", lambda d: car(d).update(name="n" * 101), "classes[0].name"),
    ("colour", lambda d: car(d).update(color="red"), "classes[0].color"),
    ("colour missing", lambda d: car(d).pop("color"), "classes[0].color"),
    ("tool", lambda d: car(d).update(tool="brush"), "classes[0].tool"),
    ("hotkey F13", lambda d: car(d).update(hotkey="F13"), "classes[0].hotkey"),
    ("hotkey two letters", lambda d: car(d).update(hotkey="ab"), "classes[0].hotkey"),
    ("unknown class field", lambda d: car(d).update(size=3), "classes[0].size"),
    ("attribute type", lambda d: attr(d, 0).update(type="date"), "classes[0].attributes[0].type"),
    ("attribute no type", lambda d: attr(d, 0).pop("type"), "classes[0].attributes[0].type"),
    (
        "choices empty",
        lambda d: attr(d, 0).update(choices=[]),
        "classes[0].attributes[0].choices",
    ),
    (
        "choices missing",
        lambda d: attr(d, 1).pop("choices"),
        "classes[0].attributes[1].choices",
    ),
    (
        "choices on text",
        lambda d: attr(d, 3).update(choices=[{"key": "a", "name": "A"}]),
        "classes[0].attributes[3].choices",
    ),
    (
        "choices on number",
        lambda d: attr(d, 2).update(choices=[{"key": "a", "name": "A"}]),
        "classes[0].attributes[2].choices",
    ),
    (
        "duplicate choice key",
        lambda d: attr(d, 0)["choices"].append({"key": "red", "name": "Crimson"}),
        "classes[0].attributes[0].choices[2].key",
    ),
    (
        "choice key pattern",
        lambda d: attr(d, 1)["choices"][1].update(key="Wheel"),
        "classes[0].attributes[1].choices[1].key",
    ),
    (
        "single default not a choice",
        lambda d: attr(d, 0).update(default="green"),
        "classes[0].attributes[0].default",
    ),
    (
        "multiple default repeats",
        lambda d: attr(d, 1).update(default=["door", "door"]),
        "classes[0].attributes[1].default",
    ),
    (
        "multiple default unknown",
        lambda d: attr(d, 1).update(default=["roof"]),
        "classes[0].attributes[1].default",
    ),
    (
        "display checkboxes on single",
        lambda d: attr(d, 0).update(display="checkboxes"),
        "classes[0].attributes[0].display",
    ),
    (
        "display radio on multiple",
        lambda d: attr(d, 1).update(display="radio"),
        "classes[0].attributes[1].display",
    ),
    (
        "number default above max",
        lambda d: attr(d, 2).update(default=101),
        "classes[0].attributes[2].default",
    ),
    (
        "number default not whole",
        lambda d: attr(d, 2).update(default=2.5),
        "classes[0].attributes[2].default",
    ),
    ("number min above max", lambda d: attr(d, 2).update(min=200), "classes[0].attributes[2].max"),
    ("number step zero", lambda d: attr(d, 2).update(step=0), "classes[0].attributes[2].step"),
    ("number given as text", lambda d: attr(d, 2).update(min="1"), "classes[0].attributes[2].min"),
    ("number given as bool", lambda d: attr(d, 2).update(max=True), "classes[0].attributes[2].max"),
    (
        "text default too long",
        lambda d: attr(d, 3).update(default="x" * 13),
        "classes[0].attributes[3].default",
    ),
    (
        "boolean default text",
        lambda d: attr(d, 4).update(default="yes"),
        "classes[0].attributes[4].default",
    ),
    ("reserved key", lambda d: attr(d, 4).update(key="z_order"), "classes[0].attributes[4].key"),
    (
        "duplicate attribute key",
        lambda d: attr(d, 4).update(key="plate"),
        "classes[0].attributes[4].key",
    ),
    ("duplicate class key", lambda d: d["classes"][3].update(key="road"), "classes[3].key"),
    ("duplicate class name", lambda d: d["classes"][3].update(name="ROAD"), "classes[3].name"),
    ("duplicate hotkey", lambda d: d["classes"][4].update(hotkey="C"), "classes[4].hotkey"),
    (
        "question hotkey clash",
        lambda d: d["questions"][0]["hotkeys"].update(rain="f2"),
        "questions[0].hotkeys.rain",
    ),
    (
        "question hotkey repeats",
        lambda d: d["questions"][0]["hotkeys"].update(rain="1"),
        "questions[0].hotkeys.rain",
    ),
    (
        "question hotkey unknown choice",
        lambda d: d["questions"][0]["hotkeys"].update(snow="3"),
        "questions[0].hotkeys.snow",
    ),
    (
        "hotkeys on text question",
        lambda d: d["questions"][2].update(hotkeys={}),
        "questions[2].hotkeys",
    ),
    ("question type", lambda d: d["questions"][1].update(type="date"), "questions[1].type"),
    ("question text empty", lambda d: d["questions"][3].update(text=""), "questions[3].text"),
    (
        "question default",
        lambda d: d["questions"][3].update(default=-1),
        "questions[3].default",
    ),
    ("duplicate question key", lambda d: d["questions"][4].update(key="notes"), "questions[4].key"),
    ("skeleton missing", lambda d: d["classes"][2].pop("skeleton"), "classes[2].skeleton"),
    ("skeleton on a box", lambda d: car(d).update(skeleton="body"), "classes[0].skeleton"),
    ("skeleton unknown", lambda d: d["classes"][2].update(skeleton="hand"), "classes[2].skeleton"),
    (
        "duplicate skeleton key",
        lambda d: d["skeletons"].append(copy.deepcopy(d["skeletons"][0])),
        "skeletons[1].key",
    ),
    (
        "duplicate keypoint key",
        lambda d: body(d)["keypoints"].append({"key": "head", "name": "Top"}),
        "skeletons[0].keypoints[3].key",
    ),
    (
        "keypoint outside the box",
        lambda d: body(d)["keypoints"][0].update(default_x=1.5),
        "skeletons[0].keypoints[0].default_x",
    ),
    (
        "edge to unknown keypoint",
        lambda d: body(d)["edges"].append(["head", "foot"]),
        "skeletons[0].edges[2]",
    ),
    (
        "edge self-loop",
        lambda d: body(d)["edges"].append(["head", "head"]),
        "skeletons[0].edges[2]",
    ),
    (
        "edge repeated reversed",
        lambda d: body(d)["edges"].append(["left_hand", "head"]),
        "skeletons[0].edges[2]",
    ),
    (
        "edge of three",
        lambda d: body(d)["edges"].append(["head", "left_hand", "right_hand"]),
        "skeletons[0].edges[2]",
    ),
    ("too many classes", many_classes, "classes"),
    ("too many attributes", many_attributes, "classes[0].attributes"),
    ("too many choices", many_choices, "classes[0].attributes[0].choices"),
]


def test_valid_instruction_round_trips() -> None:
    instruction = parse_instruction(VALID)
    assert parse_instruction(instruction.model_dump()) == instruction
    assert parse_instruction(instruction.model_dump(mode="json")) == instruction
    assert instruction.classes[0].attributes[2].default == 0
    assert instruction.skeletons[0].edges[0] == ("head", "left_hand")


def test_an_empty_instruction_is_valid() -> None:
    assert parse_instruction({}) == Instruction()


@pytest.mark.parametrize(("edit", "path"), [(e, p) for _, e, p in BAD], ids=[n for n, _, _ in BAD])
def test_each_rule_names_the_exact_path(
    edit: Callable[[dict[str, Any]], object], path: str
) -> None:
    problems = problems_of(edited(edit))
    assert [problem.path for problem in problems] == [path]
    assert problems[0].message
    assert "\n" not in problems[0].message


@pytest.mark.parametrize("data", [[], None, "classes", 3, [VALID]])
def test_the_document_must_be_an_object(data: object) -> None:
    problems = problems_of(data)
    assert problems == [Problem(path="", message="the instruction must be a JSON object")]


def test_every_problem_is_listed_and_the_first_is_the_detail() -> None:
    def break_three(doc: dict[str, Any]) -> None:
        car(doc).update(color="red")
        body(doc)["edges"].append(["head", "head"])
        doc["questions"][0].update(type="radio")

    with pytest.raises(InstructionError) as caught:
        parse_instruction(edited(break_three))
    error = caught.value
    assert isinstance(error, InvalidInput)
    assert [p.path for p in error.problems] == [
        "classes[0].color",
        "questions[0].type",
        "skeletons[0].edges[2]",
    ]
    assert error.extra["field"] == "classes[0].color"
    assert error.detail.startswith("classes[0].color: must be a colour written `#rrggbb`")
    assert "2 more problems" in error.detail


def test_cross_field_rules_report_every_offender() -> None:
    def clash(doc: dict[str, Any]) -> None:
        for label in doc["classes"][1:]:
            label.update(name="car", hotkey="C")

    paths = [p.path for p in problems_of(edited(clash))]
    assert paths == [f"classes[{i}].name" for i in range(1, 5)] + [
        f"classes[{i}].hotkey" for i in range(1, 5)
    ]


def test_odd_keys_are_quoted_in_paths() -> None:
    problems = problems_of(edited(lambda d: d.update({"a b": 1})))
    assert [p.path for p in problems] == ['["a b"]']


def test_schema_has_an_id_and_describes_the_document() -> None:
    schema = instruction_json_schema()
    assert schema["$id"] == SCHEMA_ID
    assert schema["title"]
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {"title", "guidelines", "classes", "questions", "skeletons"}
    label = schema["$defs"]["LabelClass"]
    assert label["properties"]["key"]["pattern"] == "^[a-z][a-z0-9_]{0,62}$"
    assert schema["properties"]["classes"]["maxItems"] == 1000
    schema["title"] = "changed"
    assert instruction_json_schema()["title"] != "changed"


def test_schema_validates_the_valid_example() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = instruction_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate(VALID)
    validator.validate(parse_instruction(VALID).model_dump(mode="json"))
    assert not validator.is_valid(edited(lambda d: car(d).update(color="red")))


# Migration


def instruction(edit: Callable[[dict[str, Any]], object] = lambda d: None) -> Instruction:
    return parse_instruction(edited(edit))


def test_migrating_to_the_same_instruction_changes_nothing() -> None:
    report = migrate(instruction(), instruction(), {"car": 5})
    assert report.ok
    assert report.changes == []
    assert report.problems == []


def test_renaming_a_class_keeps_its_objects() -> None:
    report = migrate(instruction(), instruction(lambda d: car(d).update(name="Auto")), {"car": 9})
    assert report.ok
    assert report.changes == ["class `car` renamed from 'Car' to 'Auto'"]


def test_removing_a_used_class_is_blocked_with_its_count() -> None:
    new = instruction(lambda d: d["classes"].pop(1))
    report = migrate(instruction(), new, {"road": 3})
    assert not report.ok
    assert [p.path for p in report.problems] == ["classes[1]"]
    assert "3 existing objects" in report.problems[0].message
    assert migrate(instruction(), new, {"road": 0}).ok
    assert migrate(instruction(), new, {}).changes == ["class `road` (Road) removed"]


def test_adding_a_class_and_questions_are_changes() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["classes"].append({"key": "bus", "name": "Bus", "color": "#000000", "tool": "box"})
        doc["questions"].pop(4)
        doc["questions"].append({"key": "night", "text": "Night?", "type": "boolean"})

    report = migrate(instruction(), instruction(edit), {"car": 1})
    assert report.ok
    assert report.changes == [
        "class `bus` (Bus) added",
        "question `blurry` removed",
        "question `night` added",
    ]


def test_changing_the_tool_of_a_used_class_is_blocked() -> None:
    new = instruction(lambda d: d["classes"][1].update(tool="mask"))
    report = migrate(instruction(), new, {"road": 1})
    assert [p.path for p in report.problems] == ["classes[1].tool"]
    assert migrate(instruction(), new, {}).ok


def test_attribute_changes_of_a_used_class() -> None:
    def edit(doc: dict[str, Any]) -> None:
        attributes = car(doc)["attributes"]
        attributes[0]["choices"].pop(1)  # blue removed
        attributes[3] = {"key": "plate", "name": "Plate", "type": "number"}  # type changed
        attributes.pop(4)  # parked removed
        attributes.append({"key": "brand", "name": "Brand", "type": "text", "required": True})
        seen = {"key": "seen", "name": "Seen", "type": "boolean", "required": True}
        attributes.append({**seen, "default": True})

    report = migrate(instruction(), instruction(edit), {"car": 4})
    assert not report.ok
    assert [p.path for p in report.problems] == [
        "classes[0].attributes[3].type",
        "classes[0].attributes[4]",
    ]
    assert "4 existing objects" in report.problems[1].message
    assert "class `car`: attribute `parked` removed (its values are dropped)" in report.changes
    assert any("choices removed: `blue`" in change for change in report.changes)
    assert "class `car`: attribute `seen` added" in report.changes
    unused = migrate(instruction(), instruction(edit), {"car": 0})
    assert unused.ok
    assert unused.changes == report.changes


def test_an_attribute_becoming_required_without_default_is_blocked() -> None:
    new = instruction(lambda d: attr(d, 3).update(required=True))
    report = migrate(instruction(), new, {"car": 2})
    assert [p.path for p in report.problems] == ["classes[0].attributes[3].required"]
    with_default = instruction(lambda d: attr(d, 3).update(required=True, default="unknown"))
    assert migrate(instruction(), with_default, {"car": 2}).ok


# Attribute values


ATTRIBUTES = parse_instruction(VALID).classes[0].attributes
GOOD_VALUES: dict[str, object] = {
    "colour": "blue",
    "parts": ["door", "wheel"],
    "occluded": 35,
    "plate": "AB-123",
    "parked": True,
}


def test_valid_attribute_values_pass() -> None:
    assert check_attribute_values(ATTRIBUTES, GOOD_VALUES) == []
    assert check_attribute_values(ATTRIBUTES, {"colour": "red"}) == []
    assert check_attribute_values(ATTRIBUTES, {"colour": "red", "occluded": 40.0}) == []


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("colour", None, "required"),
        ("colour", "", "required"),
        ("colour", "green", "one of the choice keys"),
        ("colour", 1, "one of the choice keys"),
        ("parts", "door", "a list"),
        ("parts", ["door", "door"], "more than once"),
        ("parts", ["roof"], "one of the choice keys"),
        ("occluded", "10", "a number"),
        ("occluded", True, "a number"),
        ("occluded", 2.5, "whole number"),
        ("occluded", -5, "at least 0"),
        ("occluded", 101, "at most 100"),
        ("occluded", float("nan"), "finite"),
        ("plate", "x" * 13, "at most 12 characters"),
        ("plate", 12, "text"),
        ("parked", "yes", "true or false"),
        ("shape", "round", "unknown attribute"),
    ],
)
def test_bad_attribute_values(key: str, value: object, fragment: str) -> None:
    values = {**GOOD_VALUES, key: value}
    problems = check_attribute_values(ATTRIBUTES, values)
    assert [p.path for p in problems] == [f"attributes.{key}"]
    assert fragment in problems[0].message


def test_required_multiple_choice_needs_an_answer() -> None:
    doc = edited(lambda d: attr(d, 1).update(required=True))
    attributes = parse_instruction(doc).classes[0].attributes
    problems = check_attribute_values(attributes, {**GOOD_VALUES, "parts": []})
    assert [p.path for p in problems] == ["attributes.parts"]


# Arbitrary input

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)
FIELDS = st.sampled_from(
    ["key", "name", "color", "tool", "hotkey", "type", "choices", "default", "attributes",
     "skeleton", "keypoints", "edges", "min", "max", "integer", "hotkeys", "required", "text",
     "classes", "questions", "skeletons", "display", "default_x", "max_length"]
)  # fmt: skip
LEAVES: list[object] = (
    ["car", "Car", "#ff0000", "box", "skeleton", "single_choice", "multiple_choice", "number",
     "text", "boolean", "c", "F2", "id", "body", "head", 0, 1, 2.5, -1, True, None, [], {}]
)  # fmt: skip
VALUES = st.sampled_from(LEAVES)
SHAPED = st.recursive(
    VALUES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(FIELDS, inner, max_size=6),
    max_leaves=40,
)


def parses_or_fails_cleanly(data: object) -> None:
    failure: InstructionError | None = None
    try:
        parse_instruction(data)
    except InstructionError as error:
        failure = error
    if failure is not None:
        assert failure.problems
        assert all(isinstance(p.path, str) and p.message for p in failure.problems)
        assert failure.extra["field"] == failure.problems[0].path


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_arbitrary_json_never_crashes(data: object) -> None:
    parses_or_fails_cleanly(data)


@settings(max_examples=300, deadline=None)
@given(SHAPED)
def test_instruction_shaped_input_never_crashes(data: object) -> None:
    parses_or_fails_cleanly(data)
