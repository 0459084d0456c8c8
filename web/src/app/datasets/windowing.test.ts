import { describe, expect, it } from "vitest";
import { assetRange, directCount, gridMetrics, needsMore, rowCount, visibleRows } from "./windowing";

describe("grid windowing", () => {
  it("fits as many cells as the width allows, at least one", () => {
    expect(gridMetrics(1000, 140, 8, 22)).toEqual({ columns: 6, cellWidth: 160, rowHeight: 190 });
    expect(gridMetrics(50, 140, 8, 22).columns).toBe(1);
    expect(gridMetrics(0, 140, 8, 22).columns).toBe(1);
  });

  it("renders only the rows on screen plus the overscan", () => {
    expect(visibleRows(0, 600, 200, 100_000, 2)).toEqual({ first: 0, end: 5 });
    expect(visibleRows(200_000, 600, 200, 100_000, 2)).toEqual({ first: 998, end: 1005 });
    expect(visibleRows(1e9, 600, 200, 10, 2)).toEqual({ first: 10, end: 10 });
    expect(visibleRows(0, 600, 200, 0)).toEqual({ first: 0, end: 0 });
  });

  it("maps rows to asset indexes within the count", () => {
    expect(rowCount(100_000, 6)).toBe(16_667);
    expect(rowCount(0, 6)).toBe(0);
    expect(assetRange({ first: 2, end: 5 }, 6, 100)).toEqual({ start: 12, end: 30 });
    expect(assetRange({ first: 16, end: 18 }, 6, 100)).toEqual({ start: 96, end: 100 });
  });

  it("asks for the next page near the end of what is loaded", () => {
    expect(needsMore(480, 500, true, 36)).toBe(true);
    expect(needsMore(100, 500, true, 36)).toBe(false);
    expect(needsMore(500, 500, false, 36)).toBe(false);
  });

  it("counts the assets directly in a folder", () => {
    expect(directCount(100, [{ asset_count: 30 }, { asset_count: 20 }])).toBe(50);
    expect(directCount(10, [{ asset_count: 30 }])).toBe(0);
  });
});
