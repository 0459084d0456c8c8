// Select tool. Click an object to select it (shift-click adds or removes it), drag the
// selection to move it, drag from empty space to select by rectangle. The single
// selected object shows handles: a box or any vector shape scales with eight bounding-box
// handles; a rotated box resizes from its corners and turns with a handle above it.
// Delete removes the selection, arrows nudge it (shift: 10 px), Escape clears it.
// Moves are kept inside the image; each drag is one undo step.

import { cachedBbox, rotatedBoxCorners } from "../measure";
import { hitTest } from "../hit";
import { deleteCommand, geometryCommand } from "../history";
import { scale, translate } from "../edit";
import { checked, clampToImage, pointOf, tolerance, type KeyInput, type OverlayItem, type PointerInput, type Tool, type ToolContext } from "./tool";
import type { Bbox, Geometry, Point, RotatedBox } from "../shapes";

/** Handle positions as fractions of the bounding box, corners first. */
const BOX_HANDLES: readonly Point[] = [[0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0], [1, 0.5], [0.5, 1], [0, 0.5]];
/** Screen pixels between a rotated box's top edge and its rotation handle. */
const ROTATE_OFFSET = 24;

type Handle = { kind: "box"; index: number } | { kind: "corner"; index: number } | { kind: "rotate" };

type Drag =
  | { kind: "move"; start: Point; ids: string[]; dx: number; dy: number }
  | { kind: "handle"; id: string; handle: Handle; geometry: Geometry }
  | { kind: "marquee"; start: Point; end: Point; add: boolean };

function union(boxes: readonly Bbox[]): Bbox {
  const x0 = Math.min(...boxes.map((b) => b.x));
  const y0 = Math.min(...boxes.map((b) => b.y));
  const x1 = Math.max(...boxes.map((b) => b.x + b.w));
  const y1 = Math.max(...boxes.map((b) => b.y + b.h));
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

function rotateHandle(box: RotatedBox, distance: number): Point {
  const turn = (box.angle * Math.PI) / 180;
  const oy = -box.h / 2 - distance;
  return [box.cx - oy * Math.sin(turn), box.cy + oy * Math.cos(turn)];
}

/** The handles of a shape in image coordinates (none for masks). */
export function handlesOf(geometry: Geometry, handleDistance: number): { handle: Handle; at: Point }[] {
  if (geometry.type === "rotated_box") {
    return [
      ...rotatedBoxCorners(geometry).map((at, index) => ({ handle: { kind: "corner", index } as Handle, at })),
      { handle: { kind: "rotate" }, at: rotateHandle(geometry, handleDistance) },
    ];
  }
  if (geometry.type === "mask" || geometry.type === "mask3d") return [];
  const b = cachedBbox(geometry);
  return BOX_HANDLES.map(([hx, hy], index) => ({ handle: { kind: "box", index }, at: [b.x + hx * b.w, b.y + hy * b.h] }));
}

/** The shape after dragging `handle` to `p`. */
export function dragHandle(geometry: Geometry, handle: Handle, p: Point): Geometry {
  if (geometry.type === "rotated_box") {
    if (handle.kind === "rotate") {
      let angle = (Math.atan2(p[1] - geometry.cy, p[0] - geometry.cx) * 180) / Math.PI + 90;
      if (angle > 180) angle -= 360;
      return { ...geometry, angle };
    }
    const corners = rotatedBoxCorners(geometry);
    const opposite = corners[(handle.index + 2) % 4] as Point;
    const vx = p[0] - opposite[0];
    const vy = p[1] - opposite[1];
    const turn = (geometry.angle * Math.PI) / 180;
    const w = Math.abs(vx * Math.cos(turn) + vy * Math.sin(turn));
    const h = Math.abs(-vx * Math.sin(turn) + vy * Math.cos(turn));
    if (w === 0 || h === 0) return geometry;
    return { ...geometry, cx: opposite[0] + vx / 2, cy: opposite[1] + vy / 2, w, h };
  }
  if (handle.kind !== "box") return geometry;
  const [hx, hy] = BOX_HANDLES[handle.index] as Point;
  const b = cachedBbox(geometry);
  const anchor: Point = [b.x + (1 - hx) * b.w, b.y + (1 - hy) * b.h];
  const sx = hx === 0.5 || b.w === 0 ? 1 : (p[0] - anchor[0]) / (b.x + hx * b.w - anchor[0]);
  const sy = hy === 0.5 || b.h === 0 ? 1 : (p[1] - anchor[1]) / (b.y + hy * b.h - anchor[1]);
  if (sx === 0 || sy === 0) return geometry;
  return scale(geometry, anchor, sx, sy);
}

export class SelectTool implements Tool {
  readonly name = "select";
  private drag: Drag | null = null;

  pointerDown(input: PointerInput, ctx: ToolContext): void {
    if (input.button !== 0) return;
    const p = pointOf(input);
    const single = ctx.selection.single();
    const object = single === null ? undefined : ctx.doc.get(single);
    if (object !== undefined && !object.locked && !object.hidden) {
      const tol = tolerance(ctx);
      const handle = handlesOf(object.geometry, ctx.viewport.screenToImageLength(ROTATE_OFFSET)).find(
        (h) => Math.hypot(h.at[0] - p[0], h.at[1] - p[1]) <= tol,
      );
      if (handle !== undefined) {
        this.drag = { kind: "handle", id: object.id, handle: handle.handle, geometry: object.geometry };
        return;
      }
    }
    const hit = hitTest(ctx.doc.ordered(), p[0], p[1], {
      tolerance: ctx.tolerance,
      scale: ctx.viewport.scale,
      slice: ctx.slice ?? null,
      frame: ctx.frame ?? null,
    });
    if (hit === null) {
      this.drag = { kind: "marquee", start: p, end: p, add: input.shift };
      return;
    }
    if (input.shift) {
      ctx.selection.toggle(hit.id);
      if (!ctx.selection.has(hit.id)) return;
    } else if (!ctx.selection.has(hit.id)) {
      ctx.selection.set([hit.id]);
    }
    const ids = [...ctx.selection.all].filter((id) => {
      const o = ctx.doc.get(id);
      return o !== undefined && !o.locked;
    });
    this.drag = { kind: "move", start: p, ids, dx: 0, dy: 0 };
  }

  pointerMove(input: PointerInput, ctx: ToolContext): void {
    const drag = this.drag;
    if (drag === null) return;
    const p = pointOf(input);
    if (drag.kind === "marquee") drag.end = p;
    else if (drag.kind === "handle") {
      const object = ctx.doc.get(drag.id);
      if (object !== undefined) drag.geometry = dragHandle(object.geometry, drag.handle, clampToImage(p, ctx.image));
    } else {
      const [dx, dy] = this.clampMove(ctx, drag.ids, p[0] - drag.start[0], p[1] - drag.start[1]);
      drag.dx = dx;
      drag.dy = dy;
    }
  }

  pointerUp(input: PointerInput, ctx: ToolContext): void {
    this.pointerMove(input, ctx);
    const drag = this.drag;
    this.drag = null;
    if (drag === null) return;
    if (drag.kind === "marquee") {
      const x0 = Math.min(drag.start[0], drag.end[0]);
      const x1 = Math.max(drag.start[0], drag.end[0]);
      const y0 = Math.min(drag.start[1], drag.end[1]);
      const y1 = Math.max(drag.start[1], drag.end[1]);
      if (x1 - x0 < tolerance(ctx) && y1 - y0 < tolerance(ctx)) {
        if (!drag.add) ctx.selection.clear();
        return;
      }
      const inside = ctx.doc
        .ordered()
        .filter((o) => {
          if (o.hidden) return false;
          const b = cachedBbox(o.geometry);
          return b.x >= x0 && b.y >= y0 && b.x + b.w <= x1 && b.y + b.h <= y1;
        })
        .map((o) => o.id);
      ctx.selection.set(drag.add ? [...ctx.selection.all, ...inside] : inside);
      return;
    }
    if (drag.kind === "handle") {
      const object = ctx.doc.get(drag.id);
      const shape = object === undefined || object.geometry === drag.geometry ? null : checked(drag.geometry, ctx);
      if (shape !== null) ctx.history.execute(geometryCommand(ctx.doc, drag.id, shape, "resize"));
      return;
    }
    this.commitMove(ctx, drag.ids, drag.dx, drag.dy);
  }

  keyDown(input: KeyInput, ctx: ToolContext): boolean {
    const ids = [...ctx.selection.all].filter((id) => ctx.doc.has(id) && ctx.doc.get(id)?.locked !== true);
    switch (input.key) {
      case "Delete":
      case "Backspace":
        if (ids.length === 0) return false;
        ctx.history.execute(deleteCommand(ctx.doc, ids));
        ctx.selection.clear();
        return true;
      case "Escape":
        if (this.drag !== null) this.drag = null;
        else ctx.selection.clear();
        return true;
      case "ArrowLeft":
      case "ArrowRight":
      case "ArrowUp":
      case "ArrowDown": {
        if (ids.length === 0) return false;
        const step = input.shift ? 10 : 1;
        const dx = input.key === "ArrowLeft" ? -step : input.key === "ArrowRight" ? step : 0;
        const dy = input.key === "ArrowUp" ? -step : input.key === "ArrowDown" ? step : 0;
        const [cx, cy] = this.clampMove(ctx, ids, dx, dy);
        this.commitMove(ctx, ids, cx, cy);
        return true;
      }
      default:
        return false;
    }
  }

  cancel(): void {
    this.drag = null;
  }

  overlay(ctx: ToolContext): readonly OverlayItem[] {
    const drag = this.drag;
    const items: OverlayItem[] = [];
    if (drag?.kind === "marquee") {
      const [x0, y0] = drag.start;
      const [x1, y1] = drag.end;
      return [{ kind: "rect", x: Math.min(x0, x1), y: Math.min(y0, y1), w: Math.abs(x1 - x0), h: Math.abs(y1 - y0) }];
    }
    if (drag?.kind === "move" && (drag.dx !== 0 || drag.dy !== 0)) {
      for (const id of drag.ids) {
        const o = ctx.doc.get(id);
        if (o !== undefined) items.push({ kind: "shape", id, classKey: o.class, geometry: translate(o.geometry, drag.dx, drag.dy) });
      }
      return items;
    }
    let geometry: Geometry | undefined;
    if (drag?.kind === "handle") {
      const o = ctx.doc.get(drag.id);
      if (o !== undefined) items.push({ kind: "shape", id: drag.id, classKey: o.class, geometry: drag.geometry });
      geometry = drag.geometry;
    } else {
      const single = ctx.selection.single();
      const o = single === null ? undefined : ctx.doc.get(single);
      if (o !== undefined && !o.locked) geometry = o.geometry;
    }
    if (geometry !== undefined) {
      const handles = handlesOf(geometry, ctx.viewport.screenToImageLength(ROTATE_OFFSET));
      if (handles.length > 0) items.push({ kind: "handles", points: handles.map((h) => h.at) });
    }
    return items;
  }

  /** (dx, dy) reduced so the moved shapes stay inside the image. */
  private clampMove(ctx: ToolContext, ids: readonly string[], dx: number, dy: number): Point {
    const boxes = ids.flatMap((id) => {
      const o = ctx.doc.get(id);
      return o === undefined ? [] : [cachedBbox(o.geometry)];
    });
    if (boxes.length === 0) return [0, 0];
    const b = union(boxes);
    const x = Math.min(Math.max(dx, -b.x), ctx.image.width - b.x - b.w);
    const y = Math.min(Math.max(dy, -b.y), ctx.image.height - b.y - b.h);
    return [b.w > ctx.image.width ? 0 : x, b.h > ctx.image.height ? 0 : y];
  }

  private commitMove(ctx: ToolContext, ids: readonly string[], dx: number, dy: number): void {
    if (dx === 0 && dy === 0) return;
    ctx.history.batch(ids.length === 1 ? "move" : `move ${ids.length} objects`, (run) => {
      for (const id of ids) {
        const o = ctx.doc.get(id);
        if (o === undefined) continue;
        const shape = checked(translate(o.geometry, dx, dy), ctx);
        if (shape !== null) run(geometryCommand(ctx.doc, id, shape, "move"));
      }
    });
  }
}
