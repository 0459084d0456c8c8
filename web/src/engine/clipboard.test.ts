// Copy / paste / duplicate: new ids, one undo step, on top of the drawing order, offset on
// the same item and in place on another, moved into the image plane, refusals named.

import { describe, expect, it } from "vitest";
import { copiesCommand, ObjectClipboard, PASTE_OFFSET, placeCopy } from "./clipboard";
import { AnnotationDocument, type AnnotationObject } from "./document";
import { History } from "./history";
import { maskToRle, MaskBuffer } from "./mask";
import type { Geometry } from "./shapes";

const SIZE = { width: 100, height: 80 };

function object(id: string, geometry: Geometry, z = 0, extra: Partial<AnnotationObject> = {}): AnnotationObject {
  return { id, class: "car", geometry, attributes: { colour: "red" }, source: "manual", z_order: z, ...extra };
}

const box = (x: number, y: number, w = 20, h = 10): Geometry => ({ type: "box", x, y, w, h });

function ids() {
  let n = 0;
  return () => `new${++n}`;
}

const options = { image: SIZE, hasClass: (key: string) => key === "car" };

describe("placeCopy", () => {
  it("moves a copy by the offset, backwards on an axis where forwards would leave the image", () => {
    expect(placeCopy(box(10, 10), 10, SIZE)).toEqual({ geometry: box(20, 20) });
    expect(placeCopy(box(75, 65), 10, SIZE)).toEqual({ geometry: box(65, 55) });
  });

  it("keeps coordinates in place without an offset, and clips what lies outside a smaller image", () => {
    expect(placeCopy(box(10, 10), 0, SIZE)).toEqual({ geometry: box(10, 10) });
    const polygon: Geometry = { type: "polygon", parts: [{ outer: [[50, 50], [150, 50], [150, 120], [50, 120]], holes: [] }] };
    const placed = placeCopy(polygon, 0, SIZE);
    expect(placed).toEqual({ geometry: { type: "polygon", parts: [{ outer: [[50, 50], [100, 50], [100, 80], [50, 80]], holes: [] }] } });
  });

  it("names a shape that cannot be placed: nothing left inside, or a mask of another size", () => {
    const far = placeCopy({ type: "polyline", points: [[200, 200], [300, 300]] }, 0, SIZE);
    expect(far).toHaveProperty("problem");
    const mask = new MaskBuffer(50, 40);
    mask.data[0] = 1;
    const other = placeCopy({ type: "mask", rle: maskToRle(mask) }, 0, SIZE);
    expect("problem" in other && other.problem).toContain("does not fit this 100x80 image");
  });

  it("moves a mask by whole pixels", () => {
    const mask = new MaskBuffer(100, 80);
    mask.data[5 * 100 + 5] = 1;
    const placed = placeCopy({ type: "mask", rle: maskToRle(mask) }, 10, SIZE);
    expect("geometry" in placed).toBe(true);
    if (!("geometry" in placed) || placed.geometry.type !== "mask") return;
    const moved = new MaskBuffer(100, 80);
    moved.data[15 * 100 + 15] = 1;
    expect(placed.geometry.rle).toEqual(maskToRle(moved));
  });
});

describe("copiesCommand", () => {
  it("adds copies with new ids on top, keeping class, attributes and relative order, without view flags", () => {
    const doc = new AnnotationDocument([object("a", box(10, 10), 0), object("b", box(30, 30), 1, { hidden: true, locked: true }), object("c", box(50, 50), 5)]);
    const history = new History(doc);
    const result = copiesCommand(doc, [doc.get("b") as AnnotationObject, doc.get("a") as AnnotationObject], { ...options, offset: 0, newId: ids() });
    history.execute(result.command);
    expect(result.ids).toEqual(["new1", "new2"]);
    const [first, second] = result.ids.map((id) => doc.get(id) as AnnotationObject);
    expect(first?.geometry).toEqual(box(10, 10)); // "a" first: it was below "b"
    expect(second?.geometry).toEqual(box(30, 30));
    expect(first?.z_order).toBe(6);
    expect(second?.z_order).toBe(7);
    expect(second?.attributes).toEqual({ colour: "red" });
    expect(second?.hidden).toBeUndefined();
    expect(second?.locked).toBeUndefined();
    expect(doc.size).toBe(5);
    history.undo(); // one step takes every copy away
    expect(doc.size).toBe(3);
    expect(doc.savePayload()).toEqual({ put: [], delete: [] });
  });

  it("leaves out objects of classes the item's instruction lacks, and says so", () => {
    const doc = new AnnotationDocument();
    const result = copiesCommand(doc, [object("a", box(10, 10)), object("t", box(10, 10), 0, { class: "tree" })], { ...options, offset: 0, newId: ids() });
    expect(result.ids).toEqual(["new1"]);
    expect(result.skipped).toEqual(['class "tree" is not in this item\'s instruction']);
  });
});

describe("ObjectClipboard", () => {
  it("pastes further along on each paste on the same item, in place on another item", () => {
    const clipboard = new ObjectClipboard();
    expect(clipboard.paste(new AnnotationDocument(), "1/1", { ...options, newId: ids() })).toBeNull();
    const source = new AnnotationDocument([object("a", box(10, 10))]);
    clipboard.copy("1/1", [source.get("a") as AnnotationObject]);
    const newId = ids();
    const first = clipboard.paste(source, "1/1", { ...options, newId });
    source.apply(first?.command.changes ?? []);
    const second = clipboard.paste(source, "1/1", { ...options, newId });
    expect(first?.command.changes[0]?.after?.geometry).toEqual(box(10 + PASTE_OFFSET, 10 + PASTE_OFFSET));
    expect(second?.command.changes[0]?.after?.geometry).toEqual(box(10 + 2 * PASTE_OFFSET, 10 + 2 * PASTE_OFFSET));
    const next = new AnnotationDocument();
    const other = clipboard.paste(next, "1/2", { ...options, newId });
    expect(other?.command.changes[0]?.after?.geometry).toEqual(box(10, 10));
    expect(other?.command.changes[0]?.after?.id).toBe("new3");
  });
});
