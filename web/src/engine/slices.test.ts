// Objects of a stack belong to a slice: the renderer draws only the current slice's
// objects (and the current slice of a 3-D mask), tools place new shapes on the current
// slice, and selecting by click only finds objects on it. A plain image (no slice given)
// draws everything as before.

import { describe, expect, it } from "vitest";
import { AnnotationDocument, type AnnotationObject } from "./document";
import { DEFAULT_STYLE, Renderer, type Surface } from "./render";
import type { Geometry } from "./shapes";
import { BoxTool } from "./tools/box";
import { SelectTool } from "./tools/select";
import { harness } from "./tools/testkit";
import { Viewport } from "./viewport";

class CountingSurface implements Surface {
  fillStyle: string | CanvasGradient | CanvasPattern = "";
  strokeStyle: string | CanvasGradient | CanvasPattern = "";
  lineWidth = 1;
  globalAlpha = 1;
  imageSmoothingEnabled = true;
  rects = 0;
  images = 0;
  setTransform(): void {}
  clearRect(): void {}
  beginPath(): void {}
  moveTo(): void {}
  lineTo(): void {}
  closePath(): void {}
  rect(): void {
    this.rects++;
  }
  arc(): void {}
  fill(): void {}
  stroke(): void {}
  setLineDash(): void {}
  drawImage(): void {
    this.images++;
  }
}

const object = (id: string, geometry: Geometry): AnnotationObject => ({ id, class: "thing", geometry, attributes: {}, source: "manual", z_order: 0 });
const rle = { size: [10, 10] as const, counts: [0, 100] };

function drawn(doc: AnnotationDocument, slice: number | undefined): { objects: number; rects: number; images: number } {
  const surface = new CountingSurface();
  const renderer = new Renderer(DEFAULT_STYLE, () => ({}) as CanvasImageSource);
  const viewport = new Viewport(200, 200, 100, 100);
  viewport.fit();
  renderer.draw(surface, doc, viewport, slice === undefined ? { selection: new Set(), overlay: [] } : { selection: new Set(), overlay: [], slice });
  return { objects: renderer.drawn, rects: surface.rects, images: surface.images };
}

describe("objects tied to slices", () => {
  const doc = new AnnotationDocument([
    object("a", { type: "box", x: 1, y: 1, w: 5, h: 5, slice: 3 }),
    object("b", { type: "box", x: 10, y: 10, w: 5, h: 5, slice: 4 }),
    object("c", { type: "box", x: 20, y: 20, w: 5, h: 5, slice: 4 }),
    object("m", { type: "mask3d", slices: [{ slice: 4, rle }, { slice: 9, rle }] }),
  ]);

  it("draws only the current slice's objects and 3-D mask slice", () => {
    expect(drawn(doc, 3)).toMatchObject({ rects: 1, images: 0 });
    expect(drawn(doc, 4)).toMatchObject({ rects: 2, images: 1 });
    expect(drawn(doc, 5)).toMatchObject({ rects: 0, images: 0 });
  });

  it("draws everything on a plain image", () => {
    expect(drawn(doc, undefined)).toMatchObject({ rects: 3, images: 2 });
  });

  it("places a new shape on the current slice", () => {
    const h = harness(new BoxTool());
    h.ctx.slice = 7;
    h.drag([10, 10], [30, 25]);
    expect(h.only().geometry).toMatchObject({ type: "box", slice: 7 });
  });

  it("selects by click only on the current slice", () => {
    const h = harness(new SelectTool(), [object("here", { type: "box", x: 10, y: 10, w: 20, h: 20, slice: 2 }), object("there", { type: "box", x: 50, y: 10, w: 20, h: 20, slice: 5 })]);
    h.ctx.slice = 2;
    h.click(20, 20);
    expect([...h.ctx.selection.all]).toEqual(["here"]);
    h.click(60, 20);
    expect([...h.ctx.selection.all]).toEqual([]);
  });
});
