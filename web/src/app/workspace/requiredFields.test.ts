// Required attributes and questions before a submit: what counts as missing, how a 422
// of the submit route is read, and the sentence that lists them.

import { describe, expect, it } from "vitest";
import { parseProblem } from "../../api/problem";
import type { AnnotationObject } from "../../engine/document";
import { parseInstruction } from "./instruction";
import { describeMissing, isMissing, missingFromProblem, missingRequired, parseFieldPath } from "./requiredFields";

const instruction = parseInstruction({
  classes: [
    {
      key: "car",
      name: "Car",
      tool: "box",
      attributes: [
        { key: "colour", name: "Colour", type: "single_choice", required: true, choices: [{ key: "red", name: "Red" }] },
        { key: "tags", name: "Tags", type: "multiple_choice", required: true, choices: [{ key: "a", name: "A" }] },
        { key: "note", name: "Note", type: "text" },
      ],
    },
    { key: "lake", name: "Lake", tool: "polygon", attributes: [{ key: "depth", name: "Depth", type: "number", required: true }] },
  ],
  questions: [
    { key: "weather", text: "Weather", type: "single_choice", required: true, choices: [{ key: "sun", name: "Sun" }] },
    { key: "comment", text: "Comment", type: "text" },
  ],
});

function car(id: string, attributes: Record<string, unknown>): AnnotationObject {
  return { id, class: "car", geometry: { type: "box", x: 0, y: 0, w: 5, h: 5 }, attributes, source: "manual", z_order: 0 };
}

describe("missingRequired", () => {
  it("counts null, empty text and an empty list as missing, as the server does", () => {
    expect([null, undefined, "", []].every(isMissing)).toBe(true);
    expect([0, false, " ", ["a"]].some(isMissing)).toBe(false);
  });

  it("lists every required attribute of every object, then required questions", () => {
    const missing = missingRequired(instruction, [car("a", { colour: "red", tags: [] }), car("b", { note: "x" })], {});
    expect(missing.map((m) => [m.objectId, m.key])).toEqual([
      ["a", "tags"],
      ["b", "colour"],
      ["b", "tags"],
      [null, "weather"],
    ]);
    expect(missing[0]?.label).toBe("Car: Tags");
    expect(describeMissing(missing)).toBe("Fill in before submitting: Car: Tags (2 objects), Car: Colour, Weather.");
  });

  it("finds nothing when everything required is filled (optional ones may stay empty)", () => {
    expect(missingRequired(instruction, [car("a", { colour: "red", tags: ["a"] })], { weather: "sun" })).toEqual([]);
  });
});

describe("the submit route's 422", () => {
  it("reads server paths, plain and quoted", () => {
    expect(parseFieldPath("attributes.colour")).toEqual({ where: "attributes", key: "colour" });
    expect(parseFieldPath('answers["a b"]')).toEqual({ where: "answers", key: "a b" });
    expect(parseFieldPath("put[0].geometry")).toBeNull();
  });

  it("maps an object's missing attribute to that object", () => {
    const problem = parseProblem(422, { title: "Invalid input", detail: "object `b`: attributes.colour: Colour is required", field: "attributes.colour", object_id: "b" });
    const found = missingFromProblem(instruction, [car("a", {}), car("b", {})], problem);
    expect(found).toEqual([{ objectId: "b", key: "colour", label: "Car: Colour", message: "object `b`: attributes.colour: Colour is required" }]);
  });

  it("maps missing answers to the questions", () => {
    const problem = parseProblem(422, {
      detail: "answers.weather: `Weather` needs an answer",
      field: "answers.weather",
      object_id: null,
      problems: [{ path: "answers.weather", message: "`Weather` needs an answer" }],
    });
    expect(missingFromProblem(instruction, [], problem)).toEqual([{ objectId: null, key: "weather", label: "Weather", message: "`Weather` needs an answer" }]);
  });
});
