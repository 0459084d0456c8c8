// Freehand tool: press and draw the outline; on release the pointer path is simplified
// (Douglas–Peucker, tolerance in screen pixels) into a polygon. Started with Alt held it
// becomes a hole of the selected polygon, with Shift another part of it (`mode` sets the
// default).

import { simplifyRing } from "../simplify";
import type { Point } from "../shapes";
import { commitRing, ringModeAt, type RingMode } from "./rings";
import { clampToImage, pointOf, type KeyInput, type OverlayItem, type PointerInput, type Tool, type ToolContext } from "./tool";

export class FreehandTool implements Tool {
  readonly name = "freehand";
  mode: RingMode = "new";
  /** Simplification tolerance in screen pixels. */
  smoothing = 1.5;
  private path: Point[] | null = null;
  /** What the path becomes, fixed when it is started. */
  private pathMode: RingMode = "new";

  pointerDown(input: PointerInput, ctx: ToolContext): void {
    if (input.button !== 0) return;
    const mode = ringModeAt(input, this.mode, ctx);
    if (mode === null) return;
    this.pathMode = mode;
    this.path = [clampToImage(pointOf(input), ctx.image)];
  }

  pointerMove(input: PointerInput, ctx: ToolContext): void {
    if (this.path === null) return;
    const p = clampToImage(pointOf(input), ctx.image);
    const last = this.path[this.path.length - 1] as Point;
    if (Math.hypot(p[0] - last[0], p[1] - last[1]) * ctx.viewport.scale >= 1) this.path.push(p);
  }

  pointerUp(input: PointerInput, ctx: ToolContext): void {
    if (this.path === null) return;
    this.pointerMove(input, ctx);
    const path = this.path;
    this.path = null;
    const ring = simplifyRing(path, ctx.viewport.screenToImageLength(this.smoothing));
    commitRing(ctx, ring, this.pathMode);
  }

  keyDown(input: KeyInput): boolean {
    if (input.key !== "Escape" || this.path === null) return false;
    this.path = null;
    return true;
  }

  cancel(): void {
    this.path = null;
  }

  overlay(): readonly OverlayItem[] {
    return this.path === null ? [] : [{ kind: "path", points: this.path, closed: false }];
  }
}
