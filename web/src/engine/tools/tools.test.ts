// Each tool's state machine, driven by pointer events through the viewport, checked by
// the document it leaves and by undo.

import { describe, expect, it } from "vitest";
import { rleDecode } from "../rle";
import { MaskBuffer } from "../mask";
import type { AnnotationObject } from "../document";
import type { Geometry } from "../shapes";
import {
  BoxTool,
  BrushTool,
  EraserTool,
  FillTool,
  FreehandTool,
  PointsTool,
  PolygonTool,
  PolylineTool,
  RotatedBoxTool,
  SculptTool,
  SelectTool,
  SkeletonTool,
} from "./index";
import { harness, polygonObject } from "./testkit";

const square: [number, number][] = [[10, 10], [30, 10], [30, 30], [10, 30]];

function geometry(object: AnnotationObject | undefined): Geometry {
  if (object === undefined) throw new Error("no object");
  return object.geometry;
}

describe("box tool", () => {
  it("drags a box, clipped to the image, undoable", () => {
    const h = harness(new BoxTool());
    h.drag([10, 20], [110, 5]);
    expect(h.only().geometry).toEqual({ type: "box", x: 10, y: 5, w: 90, h: 15 });
    expect(h.ctx.selection.single()).toBe(h.only().id);
    h.history.undo();
    expect(h.doc.size).toBe(0);
  });

  it("ignores a click and Escape drops a drag", () => {
    const h = harness(new BoxTool());
    h.click(10, 10);
    h.down(10, 10);
    h.move(40, 40);
    expect(h.key("Escape")).toBe(true);
    h.up(40, 40);
    expect(h.doc.size).toBe(0);
  });
});

describe("rotated box tool", () => {
  it("side, then height, then click", () => {
    const h = harness(new RotatedBoxTool());
    h.drag([20, 20], [40, 40]);
    h.move(20, 40);
    h.click(20, 40);
    const g = geometry(h.only());
    expect(g.type).toBe("rotated_box");
    if (g.type !== "rotated_box") return;
    expect(g.angle).toBeCloseTo(45);
    expect(g.w).toBeCloseTo(Math.hypot(20, 20));
    expect(g.h).toBeCloseTo(Math.hypot(10, 10));
    expect(g.cx).toBeCloseTo(25);
    expect(g.cy).toBeCloseTo(35);
  });
});

describe("polygon tool", () => {
  it("clicks vertices and closes on the first one", () => {
    const h = harness(new PolygonTool());
    for (const [x, y] of square) h.click(x, y);
    h.click(10.5, 10.5); // within tolerance of the first vertex
    expect(h.only().geometry).toEqual({ type: "polygon", parts: [{ outer: square, holes: [] }] });
  });

  it("Enter closes, Backspace removes the last vertex, Escape drops the draft", () => {
    const h = harness(new PolygonTool());
    for (const [x, y] of [...square, [50, 50] as const]) h.click(x, y);
    h.key("Backspace");
    h.key("Enter");
    expect(h.only().geometry).toEqual({ type: "polygon", parts: [{ outer: square, holes: [] }] });
    const tool = new PolygonTool();
    const g = harness(tool);
    g.click(1, 1);
    g.click(5, 1);
    g.key("Escape");
    expect(tool.drafting).toBe(false);
    g.key("Enter");
    expect(g.doc.size).toBe(0);
  });

  it("too few points are refused with a message", () => {
    const h = harness(new PolygonTool());
    h.click(1, 1);
    h.click(5, 5);
    h.click(9, 9);
    h.key("Enter");
    expect(h.doc.size).toBe(0);
    expect(h.problems[0]).toMatch(/3 points/);
  });

  it("drags a vertex, ctrl-click inserts on an edge and deletes a vertex", () => {
    const h = harness(new PolygonTool(), [polygonObject("p", square)]);
    h.ctx.selection.set(["p"]);
    h.drag([30, 30], [35, 36]);
    expect(geometry(h.doc.get("p"))).toEqual({ type: "polygon", parts: [{ outer: [[10, 10], [30, 10], [35, 36], [10, 30]], holes: [] }] });
    h.click(20, 10, { ctrl: true });
    let g = geometry(h.doc.get("p"));
    expect(g.type === "polygon" && g.parts[0]?.outer).toEqual([[10, 10], [20, 10], [30, 10], [35, 36], [10, 30]]);
    h.click(30, 10, { ctrl: true });
    g = geometry(h.doc.get("p"));
    expect(g.type === "polygon" && g.parts[0]?.outer).toEqual([[10, 10], [20, 10], [35, 36], [10, 30]]);
    h.history.undo();
    h.history.undo();
    h.history.undo();
    expect(geometry(h.doc.get("p"))).toEqual({ type: "polygon", parts: [{ outer: square, holes: [] }] });
  });

  it("adds a hole and a second part to the selected polygon", () => {
    const tool = new PolygonTool();
    const h = harness(tool, [polygonObject("p", square)]);
    h.ctx.selection.set(["p"]);
    tool.mode = "hole";
    for (const [x, y] of [[15, 15], [20, 15], [20, 20]] as const) h.click(x, y);
    h.key("Enter");
    tool.mode = "part";
    for (const [x, y] of [[50, 50], [60, 50], [60, 60]] as const) h.click(x, y);
    h.key("Enter");
    const g = geometry(h.doc.get("p"));
    expect(g.type === "polygon" && g.parts.map((p) => [p.outer.length, p.holes.length])).toEqual([[4, 1], [3, 0]]);
    tool.mode = "hole";
    for (const [x, y] of [[70, 70], [75, 70], [75, 75]] as const) h.click(x, y);
    h.key("Enter");
    expect(h.problems).toEqual(["A hole must lie inside the selected polygon."]);
  });
});

describe("polygon tool: holes and parts by modifier", () => {
  it("a ring started with Alt is a hole, with Shift another part of the selected polygon", () => {
    const h = harness(new PolygonTool(), [polygonObject("p", square)]);
    h.ctx.selection.set(["p"]);
    h.click(15, 15, { alt: true });
    h.click(25, 15);
    h.click(25, 25);
    h.key("Enter");
    h.click(50, 50, { shift: true });
    h.click(60, 50);
    h.click(60, 60);
    h.click(60, 60, { clicks: 2 }); // a double click
    expect(h.doc.size).toBe(1);
    expect(geometry(h.doc.get("p"))).toEqual({
      type: "polygon",
      parts: [
        { outer: square, holes: [[[15, 15], [25, 15], [25, 25]]] },
        { outer: [[50, 50], [60, 50], [60, 60]], holes: [] },
      ],
    });
    h.history.undo();
    h.history.undo();
    expect(geometry(h.doc.get("p"))).toEqual(polygonObject("p", square).geometry);
  });

  it("ctrl-click on a vertex of a triangular part removes that part, not the object", () => {
    const h = harness(new PolygonTool(), [polygonObject("p", square)]);
    h.ctx.selection.set(["p"]);
    h.click(50, 50, { shift: true });
    h.click(60, 50);
    h.click(60, 60);
    h.key("Enter");
    h.click(60, 60, { ctrl: true });
    expect(h.doc.get("p")?.geometry).toEqual(polygonObject("p", square).geometry);
    h.click(30, 30, { ctrl: true });
    h.click(30, 10, { ctrl: true });
    expect(h.doc.has("p")).toBe(false); // its last ring went below 3 vertices
  });

  it("asks for a selected polygon before a hole is drawn", () => {
    const h = harness(new PolygonTool(), [polygonObject("p", square)]);
    h.click(15, 15, { alt: true });
    expect(h.problems).toEqual(["Select the polygon to add a hole to."]);
    h.click(50, 50);
    h.click(60, 50);
    h.click(60, 60);
    h.key("Enter");
    expect(h.doc.size).toBe(2); // a plain click after it starts a new polygon
  });

  it("freehand: a path started with Alt is a hole", () => {
    const h = harness(new FreehandTool(), [polygonObject("p", [[0, 0], [60, 0], [60, 60], [0, 60]])]);
    h.ctx.selection.set(["p"]);
    h.down(20, 20, { alt: true });
    for (let i = 0; i <= 20; i++) h.move(20 + i, 20);
    for (let i = 0; i <= 20; i++) h.move(40, 20 + i);
    h.up(20, 40);
    const g = geometry(h.only());
    expect(g.type === "polygon" && g.parts[0]?.holes).toEqual([[[20, 20], [40, 20], [40, 40], [20, 40]]]);
  });
});

describe("polyline and points tools", () => {
  it("a polyline ends on Enter or double-click", () => {
    const h = harness(new PolylineTool());
    h.click(1, 1);
    h.click(10, 1);
    h.click(10, 10);
    h.click(10, 10, { clicks: 2 });
    expect(h.only().geometry).toEqual({ type: "polyline", points: [[1, 1], [10, 1], [10, 10]] });
  });

  it("points accumulate in one object until Enter", () => {
    const h = harness(new PointsTool());
    h.click(5, 5);
    h.click(12, 7);
    h.key("Enter");
    h.ctx.selection.clear();
    h.click(50, 50);
    const all = h.doc.ordered().map((o) => o.geometry);
    expect(all).toEqual([
      { type: "points", points: [{ x: 5, y: 5, visible: 2 }, { x: 12, y: 7, visible: 2 }] },
      { type: "points", points: [{ x: 50, y: 50, visible: 2 }] },
    ]);
  });
});

describe("skeleton tool", () => {
  const template = {
    key: "person",
    keypoints: [
      { key: "head", default_x: 0.5, default_y: 0 },
      { key: "foot", default_x: 0.5, default_y: 1 },
    ],
    edges: [["head", "foot"]] as [string, string][],
  };

  it("lays the template out in the dragged box and toggles visibility", () => {
    const tool = new SkeletonTool(template);
    const h = harness(tool);
    h.drag([10, 10], [30, 50]);
    expect(h.only().geometry).toEqual({
      type: "points",
      points: [
        { x: 20, y: 10, visible: 2, key: "head" },
        { x: 20, y: 50, visible: 2, key: "foot" },
      ],
    });
    h.click(20, 50, { alt: true });
    h.key("o");
    const g = geometry(h.only());
    expect(g.type === "points" && g.points.map((p) => p.visible)).toEqual([2, 0]);
    h.drag([20, 10], [22, 12]);
    const moved = geometry(h.only());
    expect(moved.type === "points" && moved.points[0]).toMatchObject({ x: 22, y: 12, key: "head" });
    h.history.undo();
    h.history.undo();
    h.history.undo();
    const back = geometry(h.only());
    expect(back.type === "points" && back.points.map((p) => p.visible)).toEqual([2, 2]);
  });

  it("leaves V to the Select tool's hotkey, and O to others when its skeleton is not selected", () => {
    const h = harness(new SkeletonTool(template));
    h.drag([10, 10], [30, 50]);
    expect(h.key("v")).toBe(false);
    h.ctx.selection.clear();
    expect(h.key("o")).toBe(false);
    const g = geometry(h.only());
    expect(g.type === "points" && g.points.map((p) => p.visible)).toEqual([2, 2]);
  });
});

describe("freehand tool", () => {
  it("simplifies the pointer path into a polygon", () => {
    const h = harness(new FreehandTool());
    h.down(10, 10);
    for (let i = 0; i <= 20; i++) h.move(10 + i, 10);
    for (let i = 0; i <= 20; i++) h.move(30, 10 + i);
    for (let i = 0; i <= 20; i++) h.move(30 - i, 30);
    h.up(10, 30);
    const g = geometry(h.only());
    expect(g.type === "polygon" && g.parts[0]?.outer).toEqual([[10, 10], [30, 10], [30, 30], [10, 30]]);
  });
});

describe("sculpt tool", () => {
  it("pushes the outline outward from inside, with new vertices", () => {
    const tool = new SculptTool();
    tool.radius = 10; // 5 image px at scale 2
    const h = harness(tool, [polygonObject("p", square)]);
    h.ctx.selection.set(["p"]);
    h.drag([20, 27], [20, 28]);
    const g = geometry(h.doc.get("p"));
    if (g.type !== "polygon") throw new Error("not a polygon");
    const outer = g.parts[0]?.outer ?? [];
    expect(outer.length).toBeGreaterThan(4);
    expect(Math.max(...outer.map((p) => p[1]))).toBeGreaterThan(32);
    h.history.undo();
    expect(geometry(h.doc.get("p"))).toEqual(polygonObject("p", square).geometry);
  });

  it("says a polygon must be selected first", () => {
    const h = harness(new SculptTool(), [polygonObject("p", square)]);
    h.drag([20, 27], [20, 28]);
    expect(h.problems).toEqual(["Select a polygon to sculpt."]);
    expect(geometry(h.doc.get("p"))).toEqual(polygonObject("p", square).geometry);
  });

  it("dents it from outside", () => {
    const tool = new SculptTool();
    tool.radius = 10;
    const h = harness(tool, [polygonObject("p", square)]);
    h.ctx.selection.set(["p"]);
    h.drag([20, 33], [20, 32]);
    const g = geometry(h.doc.get("p"));
    if (g.type !== "polygon") throw new Error("not a polygon");
    expect(Math.min(...(g.parts[0]?.outer ?? []).filter((p) => p[0] === 20).map((p) => p[1]))).toBeLessThan(30);
  });
});

describe("mask tools", () => {
  it("brush paints a new mask, eraser clears it, erasing all deletes it", () => {
    const brush = new BrushTool();
    brush.radius = 2;
    const h = harness(brush);
    h.drag([10, 10], [20, 10]);
    const g = geometry(h.only());
    if (g.type !== "mask") throw new Error("not a mask");
    expect(g.rle.size).toEqual([80, 100]);
    const pixels = rleDecode(g.rle);
    expect(pixels[10 * 100 + 15]).toBe(1);
    expect(pixels[20 * 100 + 15]).toBe(0);
    const eraser = new EraserTool();
    eraser.radius = 30;
    const e = harness(eraser, [h.only()]);
    e.ctx.selection.set([h.only().id]);
    e.drag([15, 10], [16, 10]);
    expect(e.doc.size).toBe(0);
    e.history.undo();
    expect(e.doc.size).toBe(1);
  });

  it("after a class switch, brush and fill start the new class's own mask instead of growing the selected one", () => {
    const brush = new BrushTool();
    brush.radius = 2;
    const h = harness(brush);
    h.ctx.classKey = "sky";
    h.drag([10, 10], [20, 10]);
    const sky = h.only();
    h.ctx.classKey = "sea";
    h.drag([10, 40], [20, 40]);
    expect(h.doc.ordered().map((o) => o.class)).toEqual(["sky", "sea"]);
    expect(h.doc.get(sky.id)?.geometry).toEqual(sky.geometry);
    const fill = harness(new FillTool(), [{ ...sky, id: "s" }]);
    fill.ctx.selection.set(["s"]);
    fill.ctx.classKey = "sea";
    fill.click(50.5, 50.5);
    expect(fill.doc.ordered().map((o) => o.class)).toEqual(["sky", "sea"]);
    expect(fill.doc.get("s")?.geometry).toEqual(sky.geometry);
  });

  it("eraser needs a selected mask", () => {
    const h = harness(new EraserTool());
    h.drag([10, 10], [20, 10]);
    expect(h.problems).toEqual(["Select a mask to erase from."]);
  });

  it("fill closes a ring's inside, and fills the gap between masks into a new one", () => {
    const ring = new MaskBuffer(100, 80);
    for (let i = 10; i <= 20; i++) for (const [c, r] of [[i, 10], [i, 20], [10, i], [20, i]] as const) ring.data[r * 100 + c] = 1;
    const object: AnnotationObject = { id: "m", class: "thing", geometry: { type: "mask", rle: ring.toRle() }, attributes: {}, source: "manual", z_order: 0 };
    const h = harness(new FillTool(), [object]);
    h.click(50.5, 50.5); // nothing selected: the outside region becomes a new mask
    const made = h.doc.ordered().find((o) => o.id !== "m");
    const outside = made?.geometry.type === "mask" ? rleDecode(made.geometry.rle) : new Uint8Array();
    expect(outside.reduce((a, b) => a + b, 0)).toBe(100 * 80 - 11 * 11);
    h.ctx.selection.set(["m"]);
    h.click(15.5, 15.5);
    const filled = geometry(h.doc.get("m"));
    expect(filled.type === "mask" && rleDecode(filled.rle).reduce((a, b) => a + b, 0)).toBe(121);
  });
});

describe("select tool", () => {
  const box = (id: string, x: number, z = 0): AnnotationObject => ({
    id,
    class: "thing",
    geometry: { type: "box", x, y: 10, w: 10, h: 10 },
    attributes: {},
    source: "manual",
    z_order: z,
  });

  it("selects by click, moves by drag within the image, one undo step", () => {
    const h = harness(new SelectTool(), [box("a", 10), box("b", 40, 1)]);
    h.drag([45, 15], [145, 20]);
    expect(h.ctx.selection.single()).toBe("b");
    expect(geometry(h.doc.get("b"))).toEqual({ type: "box", x: 90, y: 15, w: 10, h: 10 });
    h.history.undo();
    expect(geometry(h.doc.get("b"))).toEqual(box("b", 40).geometry);
  });

  it("shift-click adds, marquee selects, Delete removes, arrows nudge", () => {
    const h = harness(new SelectTool(), [box("a", 10), box("b", 40, 1)]);
    h.click(15, 15);
    h.click(45, 15, { shift: true });
    expect([...h.ctx.selection.all].sort()).toEqual(["a", "b"]);
    h.click(70, 70);
    expect(h.ctx.selection.size).toBe(0);
    h.drag([5, 5], [35, 35]);
    expect([...h.ctx.selection.all]).toEqual(["a"]);
    h.key("ArrowRight", { shift: true });
    expect(geometry(h.doc.get("a"))).toMatchObject({ x: 20 });
    h.key("Delete");
    expect(h.doc.has("a")).toBe(false);
    h.history.undo();
    h.history.undo();
    expect(geometry(h.doc.get("a"))).toMatchObject({ x: 10 });
  });

  it("resizes a box by its corner handle and turns a rotated box", () => {
    const h = harness(new SelectTool(), [box("a", 10)]);
    h.ctx.selection.set(["a"]);
    h.drag([20, 20], [30, 25]);
    expect(geometry(h.doc.get("a"))).toEqual({ type: "box", x: 10, y: 10, w: 20, h: 15 });
    const rotated: AnnotationObject = { ...box("r", 0), id: "r", geometry: { type: "rotated_box", cx: 50, cy: 40, w: 20, h: 10, angle: 0 } };
    const r = harness(new SelectTool(), [rotated]);
    r.ctx.selection.set(["r"]);
    // rotation handle: 24 screen px (12 image px) above the top edge
    r.drag([50, 23], [67, 40]);
    const g = geometry(r.doc.get("r"));
    expect(g.type === "rotated_box" && g.angle).toBeCloseTo(90);
  });

  it("locked objects do not move", () => {
    const h = harness(new SelectTool(), [{ ...box("a", 10), locked: true }]);
    h.drag([15, 15], [40, 40]);
    expect(geometry(h.doc.get("a"))).toEqual(box("a", 10).geometry);
  });
});

describe("brush size", () => {
  it("starts at a size that suits the image until the user chooses one", async () => {
    const { defaultBrushRadius } = await import("./maskPaint");
    expect(defaultBrushRadius({ width: 600, height: 400 })).toBe(8);
    expect(defaultBrushRadius({ width: 4000, height: 3000 })).toBe(27);
    const brush = new BrushTool();
    const h = harness(brush); // a 100x80 image
    h.drag([10, 10], [20, 10]);
    expect(brush.radius).toBe(8);
    expect(brush.keyDown({ key: "]" } as Parameters<BrushTool["keyDown"]>[0])).toBe(true);
    expect(brush.radius).toBe(10);
    h.drag([10, 30], [20, 30]);
    expect(brush.radius).toBe(10); // the chosen size stays
  });
});
