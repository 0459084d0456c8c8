// View settings read back from storage: good values kept, bad ones replaced or clamped.

import { describe, expect, it } from "vitest";
import { DEFAULT_VIEW, parseSettings } from "./viewSettings";

describe("parseSettings", () => {
  it("gives the defaults for nothing or garbage", () => {
    expect(parseSettings(null)).toEqual(DEFAULT_VIEW);
    expect(parseSettings("{not json")).toEqual(DEFAULT_VIEW);
    expect(parseSettings("42")).toEqual(DEFAULT_VIEW);
  });

  it("reads back what was stored", () => {
    const stored = { tone: { brightness: 1.5, contrast: 0.8 }, magnifier: true, factor: 5, window: { key: "lung", name: "Lung", level: -600, width: 1500 } };
    expect(parseSettings(JSON.stringify(stored))).toEqual(stored);
  });

  it("clamps values out of range and drops malformed windows", () => {
    const parsed = parseSettings(JSON.stringify({ tone: { brightness: 99, contrast: "x" }, magnifier: "yes", factor: 40, window: { key: "custom", name: "Custom", level: 10, width: 0 } }));
    expect(parsed).toEqual({ tone: { brightness: 3, contrast: 1 }, magnifier: false, factor: 8, window: null });
  });
});
