// Where the magnifier goes and what it shows: its place beside the cursor (kept inside
// the canvas), and its viewport, which puts the image point under the cursor at its
// centre at `factor` times the canvas scale.

import { describe, expect, it } from "vitest";
import { Viewport } from "../../engine/viewport";
import { clampFactor, loupePosition, loupeViewport } from "./Magnifier";

describe("loupePosition", () => {
  it("goes up and right of the cursor", () => {
    expect(loupePosition(300, 400, 1000, 800, 200)).toEqual([324, 176]);
  });

  it("flips left near the right edge and below near the top", () => {
    expect(loupePosition(900, 100, 1000, 800, 200)).toEqual([676, 124]);
  });

  it("stays inside a small canvas", () => {
    const [left, top] = loupePosition(100, 100, 150, 150, 200);
    expect(left).toBe(0);
    expect(top).toBe(0);
  });
});

describe("loupeViewport", () => {
  it("centres the image point under the cursor at factor times the scale", () => {
    const canvas = new Viewport(800, 600, 400, 300);
    canvas.zoomTo(1.5, 0, 0);
    canvas.panBy(20, 10);
    const view = loupeViewport(canvas, [320, 250], 4, 200);
    expect(view.scale).toBe(6);
    const [ix, iy] = canvas.toImage(320, 250);
    const [sx, sy] = view.toScreen(ix, iy);
    expect(sx).toBeCloseTo(100);
    expect(sy).toBeCloseTo(100);
    // One image pixel is `scale` loupe pixels wide.
    expect(view.toScreen(ix + 1, iy)[0] - sx).toBeCloseTo(6);
  });
});

describe("clampFactor", () => {
  it("keeps whole factors from 2 to 8", () => {
    expect(clampFactor(1)).toBe(2);
    expect(clampFactor(4.4)).toBe(4);
    expect(clampFactor(12)).toBe(8);
  });
});
