// Reading a stack ahead and scrolling it with the wheel: which slices are prefetched
// around the one shown, and how wheel deltas become slice steps.

import { describe, expect, it } from "vitest";
import { firstSlice, PREFETCH_AHEAD, PREFETCH_BEHIND, prefetchOrder, wheelSteps, type SeriesInfo } from "./dicom";

describe("prefetchOrder", () => {
  it("reads nearest first, more slices ahead than behind", () => {
    expect(prefetchOrder(10, 100, 1)).toEqual([11, 9, 12, 8, 13, 14, 15, 16]);
    expect(prefetchOrder(10, 100, -1)).toEqual([9, 11, 8, 12, 7, 6, 5, 4]);
    expect(prefetchOrder(10, 100, 1)).toHaveLength(PREFETCH_AHEAD + PREFETCH_BEHIND);
  });

  it("stays inside the series", () => {
    expect(prefetchOrder(0, 3, -1)).toEqual([1, 2]);
    expect(prefetchOrder(2, 3, 1)).toEqual([1, 0]);
    expect(prefetchOrder(0, 1, 1)).toEqual([]);
  });
});

describe("wheelSteps", () => {
  it("turns each mouse notch into one slice, whatever its size", () => {
    expect(wheelSteps(0, 100)).toEqual({ steps: 1, carried: 0 });
    expect(wheelSteps(0, -120)).toEqual({ steps: -1, carried: 0 });
    expect(wheelSteps(0, 3, 1)).toEqual({ steps: 1, carried: 0 }); // three lines
    expect(wheelSteps(0, -1, 2)).toEqual({ steps: -1, carried: 0 }); // a page
  });

  it("adds up small trackpad deltas and carries the rest", () => {
    let state = { steps: 0, carried: 0 };
    let total = 0;
    for (let i = 0; i < 10; i++) {
      state = wheelSteps(state.carried, 12);
      total += state.steps;
    }
    expect(total).toBe(2); // 120 px at 50 px a slice
    expect(state.carried).toBe(20);
    expect(wheelSteps(20, -30)).toEqual({ steps: 0, carried: -10 });
  });
});

describe("firstSlice", () => {
  it("is the middle slice, as the series' thumbnail", () => {
    const series = (slices: number): SeriesInfo => ({ slices, width: 1, height: 1, modality: "CT", units: "HU", invert: false, windows: [] });
    expect(firstSlice(series(28))).toBe(14);
    expect(firstSlice(series(1))).toBe(0);
  });
});
