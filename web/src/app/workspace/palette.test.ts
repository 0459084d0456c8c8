import { describe, expect, it } from "vitest";
import { parseInstruction } from "./instruction";
import { buildPalette, classForEntry, entryForClass, shortcutList } from "./palette";

const instruction = parseInstruction({
  classes: [
    { key: "car", name: "Car", color: "#ff0000", tool: "box", hotkey: "b" },
    { key: "lake", name: "Lake", color: "#0000ff", tool: "polygon", hotkey: "2" },
    { key: "road", name: "Road", color: "#00ff00", tool: "polygon" },
    { key: "sky", name: "Sky", color: "#00ffff", tool: "mask" },
    { key: "person", name: "Person", color: "#ffff00", tool: "skeleton", skeleton: "body" },
  ],
  questions: [{ key: "weather", text: "Weather", type: "single_choice", choices: [{ key: "sun", name: "Sun" }], hotkeys: { sun: "s" } }],
  skeletons: [{ key: "body", name: "Body", keypoints: [{ key: "head", name: "Head" }], edges: [] }],
});

describe("tool palette", () => {
  it("has select and one entry per tool the classes use, mask classes get brush, eraser and fill", () => {
    const palette = buildPalette(instruction);
    expect(palette.map((e) => e.id)).toEqual(["select", "box", "polygon", "brush", "eraser", "fill", "skeleton:body", "sculpt"]);
    expect(palette.map((e) => e.tool.name)).toEqual(["select", "box", "polygon", "brush", "eraser", "fill", "skeleton", "sculpt"]);
  });

  it("polygon and freehand classes get the sculpt tool, after their own tools", () => {
    const palette = buildPalette(parseInstruction({ classes: [{ key: "a", tool: "polygon" }, { key: "b", tool: "freehand" }, { key: "c", tool: "box" }] }));
    expect(palette.map((e) => [e.id, e.hotkey])).toEqual([["select", "v"], ["polygon", "p"], ["freehand", "d"], ["box", "b"], ["sculpt", "c"]]);
    expect(palette.find((e) => e.id === "sculpt")?.tool.name).toBe("sculpt");
    expect(buildPalette(instruction).map((e) => e.id)).toContain("sculpt");
  });

  it("switches class with the tool when the active class does not draw with it", () => {
    const palette = buildPalette(instruction);
    const polygon = palette.find((e) => e.id === "polygon");
    const select = palette.find((e) => e.id === "select");
    if (polygon === undefined || select === undefined) throw new Error("missing entries");
    expect(classForEntry(instruction, polygon, "car")).toBe("lake");
    expect(classForEntry(instruction, polygon, "road")).toBe("road");
    expect(classForEntry(instruction, select, "car")).toBe("car");
    expect(entryForClass(palette, instruction.classes[3]!)?.id).toBe("brush");
    expect(entryForClass(palette, instruction.classes[4]!)?.id).toBe("skeleton:body");
  });

  it("lists every shortcut; class and answer hotkeys take a tool's key", () => {
    const list = shortcutList(instruction, buildPalette(instruction));
    expect(list).toContainEqual({ keys: "b", what: "Class Car" });
    expect(list).toContainEqual({ keys: "s", what: "Weather: Sun" });
    expect(list.some((s) => s.what === "Box tool")).toBe(false); // "b" belongs to the class
    expect(list.some((s) => s.what === "Skeleton (body) tool")).toBe(false); // "s" answers the question
    expect(list).toContainEqual({ keys: "p", what: "Polygon tool" });
    expect(list.some((s) => s.keys === "?")).toBe(true);
    for (const keys of ["Ctrl/⌘ C", "Ctrl/⌘ V", "Ctrl/⌘ D", "Ctrl/⌘ Enter"]) expect(list.some((s) => s.keys === keys)).toBe(true);
  });
});
