// Box tool: press, drag to the opposite corner, release. Drags shorter than the hit
// tolerance on screen are taken as stray clicks and dropped. Corners are kept inside
// the image.

import { addObject, clampToImage, pointOf, tolerance, type KeyInput, type OverlayItem, type PointerInput, type Tool, type ToolContext } from "./tool";
import type { Point } from "../shapes";

export class BoxTool implements Tool {
  readonly name = "box";
  private start: Point | null = null;
  private end: Point | null = null;

  pointerDown(input: PointerInput, ctx: ToolContext): void {
    if (input.button !== 0) return;
    this.start = clampToImage(pointOf(input), ctx.image);
    this.end = this.start;
  }

  pointerMove(input: PointerInput, ctx: ToolContext): void {
    if (this.start !== null) this.end = clampToImage(pointOf(input), ctx.image);
  }

  pointerUp(input: PointerInput, ctx: ToolContext): void {
    const start = this.start;
    if (start === null) return;
    const end = clampToImage(pointOf(input), ctx.image);
    this.start = this.end = null;
    const w = Math.abs(end[0] - start[0]);
    const h = Math.abs(end[1] - start[1]);
    if (Math.max(w, h) < tolerance(ctx) || w === 0 || h === 0) return;
    addObject(ctx, { type: "box", x: Math.min(start[0], end[0]), y: Math.min(start[1], end[1]), w, h });
  }

  keyDown(input: KeyInput, ctx: ToolContext): boolean {
    if (input.key !== "Escape" || this.start === null) return false;
    this.cancel(ctx);
    return true;
  }

  cancel(_ctx: ToolContext): void {
    this.start = this.end = null;
  }

  overlay(): readonly OverlayItem[] {
    if (this.start === null || this.end === null) return [];
    const [x0, y0] = this.start;
    const [x1, y1] = this.end;
    return [{ kind: "rect", x: Math.min(x0, x1), y: Math.min(y0, y1), w: Math.abs(x1 - x0), h: Math.abs(y1 - y0) }];
  }
}
