import { describe, expect, it } from "vitest";
import { type ApiError } from "../../api/client";
import { ApiError as Problem, parseProblem } from "../../api/problem";
import { deriveKey, emptyAttribute, emptyClass, emptyInstruction, emptyQuestion, fromDocument, keyFor, toDocument } from "./document";
import { indexOf, isWithin, joinPath, problemAt, problemsWithin } from "./problems";

describe("keys from names", () => {
  it("derives a key the server accepts", () => {
    expect(deriveKey("Traffic light")).toBe("traffic_light");
    expect(deriveKey("  Café / Bar!! ")).toBe("cafe_bar");
    expect(deriveKey("3D box")).toBe("k_3d_box");
    expect(deriveKey("")).toBe("");
    expect(deriveKey("x".repeat(80))).toHaveLength(63);
  });

  it("keeps a key typed by hand", () => {
    expect(keyFor({ key: "car", keyEdited: false }, "Big car")).toBe("big_car");
    expect(keyFor({ key: "vehicle", keyEdited: true }, "Big car")).toBe("vehicle");
  });
});

describe("the document", () => {
  const draft = {
    ...emptyInstruction(),
    classes: [
      {
        ...emptyClass(0),
        key: "car",
        name: "Car",
        hotkey: "c",
        attributes: [
          { ...emptyAttribute(), key: "colour", name: "Colour", required: true, choices: [{ key: "red", name: "Red", keyEdited: false }], display: "radio" as const, defaultValue: "red" },
          { ...emptyAttribute(), key: "doors", name: "Doors", type: "number" as const, min: "1", max: "x", integer: true },
        ],
      },
      { ...emptyClass(1), key: "road", name: "Road", tool: "polygon" as const, skeleton: "left_over" },
    ],
    questions: [{ ...emptyQuestion(), key: "weather", text: "Weather", choices: [{ key: "sunny", name: "Sunny", keyEdited: false }], hotkeys: { sunny: "s", gone: "g" } }],
  };

  it("is written as the server reads it", () => {
    const doc = toDocument(draft);
    expect(doc).toEqual({
      classes: [
        {
          key: "car",
          name: "Car",
          color: "#e6194b",
          tool: "box",
          hotkey: "c",
          attributes: [
            { key: "colour", name: "Colour", type: "single_choice", required: true, choices: [{ key: "red", name: "Red" }], display: "radio", default: "red" },
            { key: "doors", name: "Doors", type: "number", min: 1, max: "x", integer: true },
          ],
        },
        { key: "road", name: "Road", color: "#3cb44b", tool: "polygon" },
      ],
      questions: [{ key: "weather", text: "Weather", type: "single_choice", choices: [{ key: "sunny", name: "Sunny" }], display: "dropdown", hotkeys: { sunny: "s" } }],
      skeletons: [],
    });
  });

  it("reads back what it wrote", () => {
    const again = fromDocument(toDocument(draft));
    expect(toDocument(again)).toEqual(toDocument(draft));
    expect(again.classes[0]?.keyEdited).toBe(false);
    expect(fromDocument({ classes: [{ key: "vehicle", name: "Car", tool: "box", color: "#000000" }] }).classes[0]?.keyEdited).toBe(true);
  });

  it("writes skeletons with keypoints in the unit box", () => {
    const doc = toDocument({
      ...emptyInstruction(),
      classes: [{ ...emptyClass(0), key: "person", name: "Person", tool: "skeleton", skeleton: "body" }],
      skeletons: [{ key: "body", name: "Body", keyEdited: false, keypoints: [{ key: "head", name: "Head", keyEdited: false, x: 0.5, y: -0.2 }], edges: [["head", "head"]] }],
    });
    expect(doc["classes"]).toEqual([{ key: "person", name: "Person", color: "#e6194b", tool: "skeleton", skeleton: "body" }]);
    expect(doc["skeletons"]).toEqual([{ key: "body", name: "Body", keypoints: [{ key: "head", name: "Head", default_x: 0.5, default_y: 0 }], edges: [["head", "head"]] }]);
  });
});

describe("problem paths", () => {
  const error: ApiError = new Problem(
    parseProblem(422, {
      detail: "classes[1].hotkey: hotkey `c` is already used",
      field: "classes[1].hotkey",
      problems: [
        { path: "classes[1].hotkey", message: "hotkey `c` is already used by classes[0].hotkey" },
        { path: "classes[0].attributes[0].choices", message: "List should have at least 1 item" },
        { path: 'questions[0].hotkeys["a b"]', message: "not a choice" },
      ],
    }),
  );

  it("joins paths as the server does", () => {
    expect(joinPath("classes", 1, "attributes", 0, "choices")).toBe("classes[1].attributes[0].choices");
    expect(joinPath("questions[0]", "hotkeys", "a b")).toBe('questions[0].hotkeys["a b"]');
    expect(joinPath("questions[0]", "hotkeys", "yes")).toBe("questions[0].hotkeys.yes");
  });

  it("finds the problem of a field and of an element", () => {
    expect(problemAt(error, "classes[1].hotkey")).toContain("already used");
    expect(problemAt(error, "classes[0].hotkey")).toBeNull();
    expect(problemAt(error, joinPath("questions", 0, "hotkeys", "a b"))).toBe("not a choice");
    expect(problemsWithin(error, "classes[0]")).toHaveLength(1);
    expect(problemsWithin(error, "classes[1]")).toHaveLength(1);
    expect(isWithin("classes[10].name", "classes[1]")).toBe(false);
    expect(indexOf("classes[12].attributes[0]", "classes")).toBe(12);
    expect(indexOf("questions[0]", "classes")).toBeNull();
  });
});
