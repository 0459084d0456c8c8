// The pixel readout: which pixel a point falls in, a slice's value there, and the text.

import { describe, expect, it } from "vitest";
import { formatReadout, pixelAt, sliceValue } from "./readout";

describe("pixelAt", () => {
  it("floors image coordinates to the pixel they fall in", () => {
    expect(pixelAt([10.9, 0.2], 20, 10)).toEqual([10, 0]);
    expect(pixelAt([19.999, 9.5], 20, 10)).toEqual([19, 9]);
  });

  it("is null outside the image", () => {
    expect(pixelAt([-0.1, 5], 20, 10)).toBeNull();
    expect(pixelAt([20, 5], 20, 10)).toBeNull();
    expect(pixelAt([5, 10], 20, 10)).toBeNull();
  });
});

describe("sliceValue", () => {
  it("reads row-major values", () => {
    const slice = { index: 0, width: 3, height: 2, values: Int16Array.from([1, 2, 3, -1000, 5, 6]) };
    expect(sliceValue(slice, 0, 1, "HU")).toEqual({ kind: "value", value: -1000, units: "HU" });
    expect(sliceValue(slice, 2, 0, "")).toEqual({ kind: "value", value: 3, units: "" });
  });
});

describe("formatReadout", () => {
  it("names the pixel and its value", () => {
    expect(formatReadout({ x: 12, y: 40, value: { kind: "rgb", rgb: [10, 20, 30] } })).toBe("x 12  y 40  RGB 10 20 30");
    expect(formatReadout({ x: 1, y: 2, value: { kind: "value", value: -998, units: "HU" } })).toBe("x 1  y 2  -998 HU");
    expect(formatReadout({ x: 1, y: 2, value: { kind: "value", value: 300, units: "" } })).toBe("x 1  y 2  300");
    expect(formatReadout({ x: 1, y: 2, value: null })).toBe("x 1  y 2");
  });
});
