// The renderer against a recording fake context: z-order kept while runs of one class are
// batched, off-screen culling, cached mask bitmaps, overlays replacing the edited object,
// skeleton edges. (Frame times are measured by bench/web_perf.mjs, not here.)

import { describe, expect, it } from "vitest";
import { AnnotationDocument, type AnnotationObject } from "./document";
import { MaskBuffer } from "./mask";
import { Renderer, DEFAULT_STYLE, parseColor, type PixelImage, type Surface } from "./render";
import type { Point } from "./shapes";
import { Viewport } from "./viewport";

class FakeSurface implements Surface {
  fillStyle: string | CanvasGradient | CanvasPattern = "";
  strokeStyle: string | CanvasGradient | CanvasPattern = "";
  lineWidth = 1;
  globalAlpha = 1;
  imageSmoothingEnabled = true;
  calls: Record<string, number> = {};
  fills: string[] = [];
  images = 0;
  private count(name: string): void {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
  }
  setTransform(): void { this.count("setTransform"); }
  clearRect(): void { this.count("clearRect"); }
  beginPath(): void { this.count("beginPath"); }
  moveTo(): void { this.count("moveTo"); }
  lineTo(): void { this.count("lineTo"); }
  closePath(): void { this.count("closePath"); }
  rect(): void { this.count("rect"); }
  arc(): void { this.count("arc"); }
  fill(): void { this.count("fill"); this.fills.push(String(this.fillStyle)); }
  stroke(): void { this.count("stroke"); }
  setLineDash(): void {}
  drawImage(): void { this.images++; }
}

function polygon(id: string, classKey: string, cx: number, cy: number, vertices = 50, r = 10): AnnotationObject {
  const outer: Point[] = [];
  for (let k = 0; k < vertices; k++) outer.push([cx + r * Math.cos((2 * Math.PI * k) / vertices), cy + r * Math.sin((2 * Math.PI * k) / vertices)]);
  return { id, class: classKey, geometry: { type: "polygon", parts: [{ outer, holes: [] }] }, attributes: {}, source: "manual", z_order: 0 };
}

const colours: Record<string, string> = { car: "#ff0000", tree: "#00ff00" };
const style = { ...DEFAULT_STYLE, colorOf: (k: string) => colours[k] ?? "#888888" };

describe("renderer", () => {
  it("batches runs of one class in z-order and skips off-screen ones", () => {
    const doc = new AnnotationDocument([polygon("a", "car", 50, 50), polygon("c", "car", 80, 50), polygon("far", "car", 5000, 5000), { ...polygon("b", "tree", 60, 60), z_order: 1 }]);
    const viewport = new Viewport(400, 300, 200, 150);
    viewport.fit();
    const ctx = new FakeSurface();
    const renderer = new Renderer(style, () => ({}) as CanvasImageSource);
    renderer.draw(ctx, doc, viewport, { selection: new Set(), overlay: [] });
    expect(renderer.drawn).toBe(3);
    expect(ctx.fills).toEqual(["#ff0000", "#00ff00"]);
    expect(ctx.calls.lineTo).toBe(3 * 49);
  });

  it("keeps z-order between classes: a shape of another class in between splits the run", () => {
    const doc = new AnnotationDocument([polygon("a", "car", 50, 50), { ...polygon("b", "tree", 60, 60), z_order: 1 }, { ...polygon("c", "car", 55, 55), z_order: 2 }]);
    const viewport = new Viewport(400, 300, 200, 150);
    viewport.fit();
    const ctx = new FakeSurface();
    new Renderer(style, () => ({}) as CanvasImageSource).draw(ctx, doc, viewport, { selection: new Set(), overlay: [] });
    expect(ctx.fills).toEqual(["#ff0000", "#00ff00", "#ff0000"]);
  });

  it("draws a skeleton's template edges between labelled keypoints only", () => {
    const skeleton: AnnotationObject = {
      id: "s",
      class: "person",
      geometry: {
        type: "points",
        points: [
          { x: 10, y: 10, visible: 2, key: "head" },
          { x: 10, y: 30, visible: 1, key: "hip" },
          { x: 20, y: 50, visible: 0, key: "knee" },
        ],
      },
      attributes: {},
      source: "manual",
      z_order: 0,
    };
    const edges: Record<string, readonly (readonly [string, string])[]> = { person: [["head", "hip"], ["hip", "knee"], ["head", "missing"]] };
    const viewport = new Viewport(400, 300, 200, 150);
    const ctx = new FakeSurface();
    new Renderer({ ...style, edgesOf: (k) => edges[k] ?? [] }, () => ({}) as CanvasImageSource).draw(ctx, new AnnotationDocument([skeleton]), viewport, { selection: new Set(), overlay: [] });
    expect(ctx.calls.lineTo).toBe(1); // head-hip; the knee is not labelled, "missing" is no keypoint
    expect(ctx.calls.arc).toBe(2);
    const plain = new FakeSurface();
    new Renderer(style, () => ({}) as CanvasImageSource).draw(plain, new AnnotationDocument([skeleton]), viewport, { selection: new Set(), overlay: [] });
    expect(plain.calls.lineTo).toBeUndefined();
  });

  it("draws selected objects with handles and overlays instead of the stored shape", () => {
    const doc = new AnnotationDocument([polygon("a", "car", 50, 50, 4), polygon("b", "car", 20, 20, 4)]);
    const viewport = new Viewport(400, 300, 200, 150);
    const ctx = new FakeSurface();
    const renderer = new Renderer(style, () => ({}) as CanvasImageSource);
    renderer.draw(ctx, doc, viewport, {
      selection: new Set(["a"]),
      overlay: [{ kind: "shape", id: "b", classKey: "car", geometry: { type: "box", x: 1, y: 1, w: 5, h: 5 } }],
    });
    expect(renderer.drawn).toBe(1); // b is drawn by the overlay
    expect(ctx.calls.rect).toBe(1 + 4); // the overlay box + a's 4 vertex handles
  });

  it("caches mask bitmaps per RLE value", () => {
    const mask = new MaskBuffer(4, 3);
    mask.data[5] = 1;
    const object: AnnotationObject = { id: "m", class: "car", geometry: { type: "mask", rle: mask.toRle() }, attributes: {}, source: "manual", z_order: 0 };
    const doc = new AnnotationDocument([object]);
    const made: PixelImage[] = [];
    const renderer = new Renderer(style, (image) => {
      made.push(image);
      return {} as CanvasImageSource;
    });
    const ctx = new FakeSurface();
    const viewport = new Viewport(40, 30, 4, 3);
    renderer.draw(ctx, doc, viewport, { selection: new Set(), overlay: [] });
    renderer.draw(ctx, doc, viewport, { selection: new Set(), overlay: [] });
    expect(made.length).toBe(1);
    expect(ctx.images).toBe(2);
    expect(Array.from(made[0]?.data.slice(20, 24) ?? [])).toEqual([255, 0, 0, Math.round(0.45 * 255)]);
    expect(parseColor("#0f8")).toEqual([0, 255, 136]);
  });

  it("draws 500 polygons of 50 vertices in a few batches when classes come in runs", () => {
    const objects: AnnotationObject[] = [];
    for (let i = 0; i < 500; i++) objects.push({ ...polygon(`p${i}`, i < 100 ? "tree" : "car", 20 + (i % 25) * 40, 20 + Math.floor(i / 25) * 40, 50, 15), z_order: i < 100 ? 0 : 1 });
    const doc = new AnnotationDocument(objects);
    const viewport = new Viewport(1200, 900, 1000, 800);
    viewport.fit();
    const ctx = new FakeSurface();
    const renderer = new Renderer(style, () => ({}) as CanvasImageSource);
    renderer.draw(ctx, doc, viewport, { selection: new Set(["p3"]), overlay: [] });
    expect(renderer.drawn).toBe(500);
    expect(ctx.fills.slice(0, 3)).toEqual(["#00ff00", "#ff0000", "#00ff00"]); // two runs, then the selected one on top (then its handles)
  });
});
