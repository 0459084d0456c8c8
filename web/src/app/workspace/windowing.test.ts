// Browser windowing against the server's answers (tests/vectors/dicom_window.json), the
// lookup table and pixel painting, and the drag gestures for window and tone.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dragTone, dragWindow, greyOf, NEUTRAL_TONE, paintValues, toneFilter, windowTable } from "./windowing";

interface Case {
  name: string;
  center: number;
  width: number;
  invert: boolean;
  values: number[];
  grey: number[];
}

const vectors = JSON.parse(readFileSync(new URL("../../../../tests/vectors/dicom_window.json", import.meta.url), "utf8")) as { windows: Case[] };

describe("windowing matches the server", () => {
  it.each(vectors.windows.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    expect(c.values.map((v) => greyOf(v, c.center, c.width, c.invert))).toEqual(c.grey);
    const table = windowTable({ level: c.center, width: c.width }, c.invert);
    expect(c.values.map((v) => table[v + 32768])).toEqual(c.grey);
  });

  it("has all seven presets among the vectors", () => {
    const names = vectors.windows.map((c) => c.name);
    for (const key of ["abdomen", "bone", "brain", "brain_marrow", "liver", "lung", "subdural"]) expect(names).toContain(key);
  });
});

describe("paintValues", () => {
  it("writes opaque grey pixels through the table", () => {
    const values = Int16Array.from([-1000, 40, 1000]);
    const out = new Uint8ClampedArray(values.length * 4);
    paintValues(values, windowTable({ level: 40, width: 80 }), out);
    expect([...out]).toEqual([0, 0, 0, 255, 129, 129, 129, 255, 255, 255, 255, 255]);
  });
});

describe("dragWindow", () => {
  const brain = { level: 40, width: 80 };
  it("widens to the right, narrows to the left, doubling every 200 px", () => {
    expect(dragWindow(brain, 200, 0)).toEqual({ level: 40, width: 160 });
    expect(dragWindow(brain, -200, 0)).toEqual({ level: 40, width: 40 });
  });
  it("raises the level downwards by the width every 300 px", () => {
    expect(dragWindow(brain, 0, 300)).toEqual({ level: 120, width: 80 });
    expect(dragWindow(brain, 0, -150)).toEqual({ level: 0, width: 80 });
  });
  it("keeps the width at least 1 and the level in the int16 range", () => {
    expect(dragWindow(brain, -10_000, 0).width).toBe(1);
    expect(dragWindow(brain, 0, 1e9).level).toBe(32767);
  });
});

describe("tone", () => {
  it("is no filter at all when neutral", () => {
    expect(toneFilter(NEUTRAL_TONE)).toBe("");
    expect(toneFilter({ brightness: 1.5, contrast: 1 })).toBe("brightness(1.5)");
    expect(toneFilter({ brightness: 0.8, contrast: 2 })).toBe("brightness(0.8) contrast(2)");
  });
  it("drags brighter upwards and flatter to the right, within range", () => {
    expect(dragTone(NEUTRAL_TONE, 0, -150)).toEqual({ brightness: 1.5, contrast: 1 });
    expect(dragTone(NEUTRAL_TONE, 200, 0)).toEqual({ brightness: 1, contrast: 0.5 });
    expect(dragTone(NEUTRAL_TONE, -10_000, 10_000)).toEqual({ brightness: 0.2, contrast: 3 });
  });
});
