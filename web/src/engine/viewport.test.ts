// Viewport transforms: round trips, zoom about a point, fit, 1:1 and the zoom limits.

import { describe, expect, it } from "vitest";
import { Viewport, wheelZoomFactor } from "./viewport";

describe("viewport", () => {
  it("image -> screen -> image round-trips at any zoom and pan", () => {
    const v = new Viewport(800, 600, 4000, 3000);
    for (const [scale, px, py] of [[0.2, 10, 20], [3.7, -400, 250], [40, 123.5, -7]] as const) {
      v.zoomTo(scale, 400, 300);
      v.panBy(px, py);
      for (const [x, y] of [[0, 0], [1234.5, 987.25], [4000, 3000]] as const) {
        const [sx, sy] = v.toScreen(x, y);
        const [ix, iy] = v.toImage(sx, sy);
        expect(ix).toBeCloseTo(x, 9);
        expect(iy).toBeCloseTo(y, 9);
      }
    }
  });

  it("zooming keeps the point under the cursor fixed and is clamped", () => {
    const v = new Viewport(800, 600, 1000, 1000, { minScale: 0.1, maxScale: 8 });
    const before = v.toImage(200, 150);
    v.zoomAt(200, 150, 2.5);
    const after = v.toImage(200, 150);
    expect(after[0]).toBeCloseTo(before[0]);
    expect(after[1]).toBeCloseTo(before[1]);
    v.zoomAt(200, 150, 1000);
    expect(v.scale).toBe(8);
    v.zoomAt(0, 0, 1e-6);
    expect(v.scale).toBe(0.1);
  });

  it("fit centres the whole image; 1:1 keeps the centre", () => {
    const v = new Viewport(800, 600, 1600, 800);
    v.fit();
    expect(v.scale).toBe(0.5);
    expect(v.toScreen(0, 0)).toEqual([0, 100]);
    expect(v.toScreen(1600, 800)).toEqual([800, 500]);
    const centre = v.toImage(400, 300);
    v.oneToOne();
    expect(v.scale).toBe(1);
    expect(v.toImage(400, 300)).toEqual(centre);
    const rect = v.visibleRect();
    expect(rect.x1 - rect.x0).toBe(800);
  });

  it("wheel factors: down zooms out, up zooms in, lines count more than pixels", () => {
    expect(wheelZoomFactor(100)).toBeLessThan(1);
    expect(wheelZoomFactor(-100)).toBeGreaterThan(1);
    expect(wheelZoomFactor(500)).toBeCloseTo(0.5);
    expect(wheelZoomFactor(3, 1)).toBeCloseTo(wheelZoomFactor(48));
    expect(wheelZoomFactor(100) * wheelZoomFactor(-100)).toBeCloseTo(1);
  });
});
