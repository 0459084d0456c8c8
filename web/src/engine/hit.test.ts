// Hit testing: each shape kind, tolerance in screen pixels, z-order, hidden objects,
// vertex and edge picking.

import { describe, expect, it } from "vitest";
import type { AnnotationObject } from "./document";
import { hitGeometry, hitTest, pickEdge, pickVertex } from "./hit";
import { MaskBuffer } from "./mask";
import type { Geometry } from "./shapes";

function object(id: string, geometry: Geometry, z = 0, hidden = false): AnnotationObject {
  return { id, class: "c", geometry, attributes: {}, source: "manual", z_order: z, hidden };
}

const square: Geometry = { type: "polygon", parts: [{ outer: [[0, 0], [10, 0], [10, 10], [0, 10]], holes: [[[3, 3], [7, 3], [7, 7], [3, 7]]] }] };

describe("hit testing", () => {
  it("every shape kind", () => {
    expect(hitGeometry({ type: "box", x: 0, y: 0, w: 10, h: 10 }, 5, 5, 1)).toBe("inside");
    expect(hitGeometry({ type: "box", x: 0, y: 0, w: 10, h: 10 }, 10.5, 5, 1)).toBe("edge");
    expect(hitGeometry({ type: "box", x: 0, y: 0, w: 10, h: 10 }, 12, 5, 1)).toBeNull();
    const rotated: Geometry = { type: "rotated_box", cx: 10, cy: 10, w: 10, h: 2, angle: 90 };
    expect(hitGeometry(rotated, 10, 14, 0.1)).toBe("inside");
    expect(hitGeometry(rotated, 14, 10, 0.1)).toBeNull();
    expect(hitGeometry(square, 1, 1, 0.5)).toBe("inside");
    expect(hitGeometry(square, 5, 5, 0.5)).toBeNull(); // in the hole
    expect(hitGeometry(square, 3.2, 5, 0.5)).toBe("edge");
    expect(hitGeometry({ type: "polyline", points: [[0, 0], [10, 0]] }, 5, 0.8, 1)).toBe("edge");
    expect(hitGeometry({ type: "polyline", points: [[0, 0], [10, 0]] }, 5, 1.5, 1)).toBeNull();
    expect(hitGeometry({ type: "points", points: [{ x: 3, y: 3, visible: 2 }] }, 3.5, 3.5, 1)).toBe("vertex");
    const mask = new MaskBuffer(4, 4);
    mask.data[1 * 4 + 2] = 1;
    expect(hitGeometry({ type: "mask", rle: mask.toRle() }, 2.5, 1.5, 0)).toBe("inside");
    expect(hitGeometry({ type: "mask", rle: mask.toRle() }, 1.5, 1.5, 0)).toBeNull();
  });

  it("topmost first, hidden skipped, tolerance in screen pixels", () => {
    const objects = [object("low", { type: "box", x: 0, y: 0, w: 20, h: 20 }), object("high", { type: "box", x: 5, y: 5, w: 20, h: 20 }, 1)];
    expect(hitTest(objects, 10, 10, { tolerance: 1, scale: 1 })?.id).toBe("high");
    const hidden = [objects[0] as AnnotationObject, { ...(objects[1] as AnnotationObject), hidden: true }];
    expect(hitTest(hidden, 10, 10, { tolerance: 1, scale: 1 })?.id).toBe("low");
    // 6 screen px at scale 4 is 1.5 image px
    expect(hitTest(objects, 26, 10, { tolerance: 6, scale: 4 })?.id).toBe("high");
    expect(hitTest(objects, 26, 10, { tolerance: 6, scale: 8 })).toBeNull();
  });

  it("an outline beneath wins over the inside of a shape above it", () => {
    const objects = [object("small", { type: "polyline", points: [[5, 5], [8, 5]] }), object("big", { type: "box", x: 0, y: 0, w: 20, h: 20 }, 1)];
    expect(hitTest(objects, 6, 5.2, { tolerance: 1, scale: 1 })?.id).toBe("small");
    expect(hitTest(objects, 15, 15, { tolerance: 1, scale: 1 })?.id).toBe("big");
  });

  it("vertex and edge picking with slices", () => {
    expect(pickVertex(square, 6.8, 3.1, 0.5)?.ref).toEqual({ part: 0, ring: 1, index: 1 });
    expect(pickEdge(square, 5, 10.2, 0.5)).toMatchObject({ ref: { part: 0, ring: 0, index: 2 }, at: [5, 10] });
    expect(pickVertex(square, 5, 5, 0.5)).toBeNull();
    const onSlice = [object("s", { type: "box", x: 0, y: 0, w: 5, h: 5, slice: 2 })];
    expect(hitTest(onSlice, 1, 1, { tolerance: 1, scale: 1, slice: 2 })?.id).toBe("s");
    expect(hitTest(onSlice, 1, 1, { tolerance: 1, scale: 1, slice: 3 })).toBeNull();
    const selected = [object("a", square), object("b", { type: "box", x: 0, y: 0, w: 30, h: 30 }, 1)];
    expect(hitTest(selected, 10, 10, { tolerance: 1, scale: 1, preferred: new Set(["a"]) })).toMatchObject({ id: "a", kind: "vertex" });
  });
});
