import { describe, expect, it } from "vitest";
import { parseJump, shownState } from "./itemStates";
import { aroundItem, pageFrom, spanFor, visibleSlice } from "./stripWindow";

describe("shownState", () => {
  it("tells new and in-progress open items apart by their saves", () => {
    expect(shownState({ state: "queued", revision: 0 })).toBe("new");
    expect(shownState({ state: "leased", revision: 0 })).toBe("new");
    expect(shownState({ state: "queued", revision: 3 })).toBe("in_progress");
    expect(shownState({ state: "leased", revision: 1 })).toBe("in_progress");
  });

  it("keeps the workflow states after submission", () => {
    expect(shownState({ state: "submitted", revision: 4 })).toBe("submitted");
    expect(shownState({ state: "in_review", revision: 4 })).toBe("in_review");
    expect(shownState({ state: "rejected", revision: 1 })).toBe("rejected");
  });
});

describe("parseJump", () => {
  it("reads digits as a position and anything else as a name", () => {
    expect(parseJump(" 1234 ")).toEqual({ position: 1234 });
    expect(parseJump("#7")).toEqual({ position: 7 });
    expect(parseJump("cat_12.png")).toEqual({ name: "cat_12.png" });
    expect(parseJump("12a")).toEqual({ name: "12a" });
    expect(parseJump("   ")).toBeNull();
  });
});

describe("strip window", () => {
  it("fits the span to the strip width", () => {
    expect(spanFor(1000, 90)).toBe(5); // 11 cells
    expect(spanFor(100, 90)).toBe(1);
    expect(spanFor(100_000, 90)).toBe(40);
    expect(spanFor(0, 90)).toBe(5);
  });

  it("centres on the open item", () => {
    expect(aroundItem(42, 3)).toEqual({ itemId: 42, before: 6, after: 6 });
  });

  it("pages by a whole strip and stops at the ends", () => {
    expect(pageFrom(50, 100_000, 5, 1)).toEqual({ position: 61, before: 10, after: 10 });
    expect(pageFrom(50, 100_000, 5, -1)).toEqual({ position: 39, before: 10, after: 10 });
    expect(pageFrom(3, 100, 5, -1)).toEqual({ position: 1, before: 10, after: 10 });
    expect(pageFrom(1, 100, 5, -1)).toBeNull();
    expect(pageFrom(98, 100, 5, 1)).toEqual({ position: 100, before: 10, after: 10 });
    expect(pageFrom(100, 100, 5, 1)).toBeNull();
    expect(pageFrom(1, 0, 5, 1)).toBeNull();
  });
});

describe("visibleSlice", () => {
  const list = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  it("centres on the anchor", () => expect(visibleSlice(list, 5, 3)).toEqual([5, 6, 7]));
  it("stays full at the start and at the end", () => {
    expect(visibleSlice(list, 0, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(visibleSlice(list, 9, 5)).toEqual([6, 7, 8, 9, 10]);
  });
  it("shows a short list whole", () => expect(visibleSlice([1, 2], 1, 5)).toEqual([1, 2]));
});
