// Hidden / locked flags kept per item on this device: stored on change, restored on open,
// never part of what is saved to the server.

import { describe, expect, it } from "vitest";
import { AnnotationDocument, type AnnotationObject } from "../../engine/document";
import { readFlags, rememberFlags, restoreFlags, viewFlagsKey } from "./viewFlags";

/** The Web Storage interface over a Map (the browser's localStorage in the e2e test). */
class MapStorage implements Storage {
  private readonly items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

function box(id: string): AnnotationObject {
  return { id, class: "car", geometry: { type: "box", x: 1, y: 1, w: 5, h: 5 }, attributes: {}, source: "manual", z_order: 0 };
}

describe("view flags", () => {
  it("survive a new page of the same item and stay out of the save", () => {
    const storage = new MapStorage();
    const key = viewFlagsKey(3, 7);
    const doc = new AnnotationDocument([box("a"), box("b"), box("c")]);
    doc.setFlags("a", { hidden: true });
    doc.setFlags("b", { locked: true });
    rememberFlags(doc, storage, key);
    expect(readFlags(storage, key)).toEqual({ hidden: ["a"], locked: ["b"] });
    expect(doc.savePayload()).toEqual({ put: [], delete: [] });

    const reopened = new AnnotationDocument([box("a"), box("b"), box("c")]);
    restoreFlags(reopened, storage, key);
    expect(reopened.get("a")?.hidden).toBe(true);
    expect(reopened.get("b")?.locked).toBe(true);
    expect(reopened.get("c")?.hidden).toBeUndefined();
    expect(reopened.savePayload()).toEqual({ put: [], delete: [] });
    expect(readFlags(storage, viewFlagsKey(3, 8))).toEqual({ hidden: [], locked: [] });
  });

  it("ignore objects that are gone and leave no entry when nothing is flagged", () => {
    const storage = new MapStorage();
    const key = viewFlagsKey(1, 1);
    storage.setItem(key, JSON.stringify({ hidden: ["gone", 5], locked: "x" }));
    const doc = new AnnotationDocument([box("a")]);
    restoreFlags(doc, storage, key);
    expect(doc.get("a")?.hidden).toBeUndefined();
    rememberFlags(doc, storage, key);
    expect(storage.getItem(key)).toBeNull();
    storage.setItem(key, "not json");
    expect(readFlags(storage, key)).toEqual({ hidden: [], locked: [] });
    expect(readFlags(null, key)).toEqual({ hidden: [], locked: [] });
  });
});
