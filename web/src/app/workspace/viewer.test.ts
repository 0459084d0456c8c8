// The viewer's keys, the window a series opens with, and its shortcut list.

import { describe, expect, it } from "vitest";
import type { SeriesInfo } from "./dicom";
import { isStack, openingWindow, viewKeyAction, viewShortcuts, type KeyPress } from "./viewer";

const press = (key: string, mods: Partial<KeyPress> = {}): KeyPress => ({ key, code: mods.code ?? "", shift: false, ctrl: false, alt: false, ...mods });

describe("viewKeyAction", () => {
  it("scrolls a stack with the arrows and page keys, ten at a time with Shift", () => {
    expect(viewKeyAction(press("PageDown"), true, false)).toEqual({ kind: "slice", by: 1 });
    expect(viewKeyAction(press("ArrowUp"), true, false)).toEqual({ kind: "slice", by: -1 });
    expect(viewKeyAction(press("PageUp", { shift: true }), true, false)).toEqual({ kind: "slice", by: -10 });
    expect(viewKeyAction(press("Home"), true, false)).toEqual({ kind: "first" });
    expect(viewKeyAction(press("End"), true, false)).toEqual({ kind: "last" });
  });

  it("picks windows with Alt and a digit (by its key code, whatever the layout types)", () => {
    expect(viewKeyAction(press("¡", { alt: true, code: "Digit1" }), true, false)).toEqual({ kind: "window", index: 1 });
    expect(viewKeyAction(press("0", { alt: true, code: "Digit0" }), true, false)).toEqual({ kind: "window", index: 0 });
    expect(viewKeyAction(press("a", { alt: true, code: "KeyA" }), true, false)).toBeNull();
  });

  it("leaves slice keys alone on plain images", () => {
    expect(viewKeyAction(press("PageDown"), false, false)).toBeNull();
    expect(viewKeyAction(press("1", { alt: true, code: "Digit1" }), false, false)).toBeNull();
  });

  it("toggles the magnifier with Shift+M and changes its factor only while it is on", () => {
    expect(viewKeyAction(press("M", { shift: true, code: "KeyM" }), false, false)).toEqual({ kind: "magnifier" });
    expect(viewKeyAction(press("+"), false, false)).toBeNull();
    expect(viewKeyAction(press("+", { shift: true }), false, true)).toEqual({ kind: "factor", by: 1 });
    expect(viewKeyAction(press("-"), true, true)).toEqual({ kind: "factor", by: -1 });
  });

  it("never takes Ctrl/⌘ keys", () => {
    expect(viewKeyAction(press("PageDown", { ctrl: true }), true, true)).toBeNull();
    expect(viewKeyAction(press("M", { ctrl: true, shift: true, code: "KeyM" }), true, true)).toBeNull();
  });
});

describe("openingWindow", () => {
  const series = (own: { level: number; width: number }): SeriesInfo => ({
    slices: 3,
    width: 1,
    height: 1,
    modality: "CT",
    units: "HU",
    invert: false,
    windows: [
      { key: "default", name: "From the series", ...own },
      { key: "brain", name: "Brain", level: 40, width: 80 },
    ],
  });

  it("is the series' own window unless another was chosen in the project", () => {
    expect(openingWindow(series({ level: 35, width: 90 }), null)).toMatchObject({ key: "default", level: 35 });
    // "From the series" means each series' own values, not the last one's.
    expect(openingWindow(series({ level: 35, width: 90 }), { key: "default", name: "From the series", level: 1, width: 2 })).toMatchObject({ level: 35, width: 90 });
  });

  it("keeps a chosen preset or a window dragged by hand", () => {
    expect(openingWindow(series({ level: 35, width: 90 }), { key: "brain", name: "Brain", level: 40, width: 80 })).toMatchObject({ key: "brain" });
    expect(openingWindow(series({ level: 35, width: 90 }), { key: "custom", name: "Custom", level: 55, width: 300 })).toEqual({ key: "custom", name: "Custom", level: 55, width: 300 });
    expect(openingWindow(series({ level: 35, width: 90 }), { key: "gone", name: "Gone", level: 1, width: 2 })).toMatchObject({ key: "default" });
  });
});

describe("viewer basics", () => {
  it("opens DICOM items as stacks", () => {
    expect(isStack({ asset_id: 1, kind: "dicom", width: 512, height: 512 })).toBe(true);
    expect(isStack({ asset_id: 1, kind: "image", width: 10, height: 10 })).toBe(false);
  });

  it("lists the stack shortcuts only for stacks, and Shift M when M is a class hotkey", () => {
    const image = viewShortcuts(false, new Set());
    expect(image.map((s) => s.keys)).toContain("M, Shift M");
    expect(image.some((s) => s.keys.includes("Home"))).toBe(false);
    const stack = viewShortcuts(true, new Set(["m"]));
    expect(stack.map((s) => s.keys)).toContain("Shift M");
    expect(stack.some((s) => s.keys.includes("Alt 1"))).toBe(true);
  });
});
