// Rotated box tool, three steps: press and drag along one side of the object (its
// length and angle), release, move the pointer to set the other side, click to place.
// Escape or Backspace goes back a step.

import { rotatedBoxCorners } from "../measure";
import type { Point, RotatedBox } from "../shapes";
import { addObject, clampToImage, pointOf, tolerance, type KeyInput, type OverlayItem, type PointerInput, type Tool, type ToolContext } from "./tool";

/** The box with side a-b whose opposite side passes through c's projection. */
export function rotatedBoxFrom(a: Point, b: Point, c: Point): RotatedBox | null {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const w = Math.hypot(dx, dy);
  if (w === 0) return null;
  const nx = -dy / w;
  const ny = dx / w;
  const d = (c[0] - a[0]) * nx + (c[1] - a[1]) * ny;
  if (d === 0) return null;
  let angle = (Math.atan2(dy, dx) * 180) / Math.PI;
  if (angle <= -180) angle += 360;
  return { type: "rotated_box", cx: (a[0] + b[0]) / 2 + (nx * d) / 2, cy: (a[1] + b[1]) / 2 + (ny * d) / 2, w, h: Math.abs(d), angle };
}

export class RotatedBoxTool implements Tool {
  readonly name = "rotated_box";
  private step: "idle" | "side" | "height" = "idle";
  private a: Point = [0, 0];
  private b: Point = [0, 0];
  private c: Point = [0, 0];

  pointerDown(input: PointerInput, ctx: ToolContext): void {
    if (input.button !== 0) return;
    const p = clampToImage(pointOf(input), ctx.image);
    if (this.step === "idle") {
      this.step = "side";
      this.a = this.b = this.c = p;
    } else if (this.step === "height") {
      this.c = p;
      const box = rotatedBoxFrom(this.a, this.b, this.c);
      this.step = "idle";
      if (box !== null && box.h >= tolerance(ctx)) addObject(ctx, box);
    }
  }

  pointerMove(input: PointerInput, ctx: ToolContext): void {
    const p = clampToImage(pointOf(input), ctx.image);
    if (this.step === "side") this.b = p;
    else if (this.step === "height") this.c = p;
  }

  pointerUp(input: PointerInput, ctx: ToolContext): void {
    if (this.step !== "side") return;
    this.b = clampToImage(pointOf(input), ctx.image);
    const length = Math.hypot(this.b[0] - this.a[0], this.b[1] - this.a[1]);
    this.step = length < tolerance(ctx) ? "idle" : "height";
    this.c = this.b;
  }

  keyDown(input: KeyInput, _ctx: ToolContext): boolean {
    if (this.step === "idle" || (input.key !== "Escape" && input.key !== "Backspace")) return false;
    this.step = this.step === "height" && input.key === "Backspace" ? "side" : "idle";
    return true;
  }

  cancel(): void {
    this.step = "idle";
  }

  overlay(): readonly OverlayItem[] {
    if (this.step === "idle") return [];
    if (this.step === "side") return [{ kind: "path", points: [this.a, this.b], closed: false }];
    const box = rotatedBoxFrom(this.a, this.b, this.c);
    if (box === null) return [{ kind: "path", points: [this.a, this.b], closed: false }];
    return [{ kind: "path", points: rotatedBoxCorners(box), closed: true }];
  }
}
