// Polyline tool. Click to add points; Enter or a double-click ends the line (2 points or
// more), Backspace removes the last point, Escape drops it. The selected line's points
// can be dragged, ctrl/cmd-click deletes a point or inserts one on a segment.

import type { Point } from "../shapes";
import { addObject, clampToImage, pointOf, type KeyInput, type OverlayItem, type PointerInput, type Tool, type ToolContext } from "./tool";
import { VertexEditor } from "./vertexEdit";

export class PolylineTool implements Tool {
  readonly name = "polyline";
  private draft: Point[] = [];
  private cursor: Point | null = null;
  private readonly editor = new VertexEditor(["polyline"]);

  pointerDown(input: PointerInput, ctx: ToolContext): void {
    if (input.button !== 0) return;
    if (this.draft.length === 0 && (this.editor.pointerDown(input, ctx) || input.ctrl)) return;
    if ((input.clicks ?? 1) >= 2 && this.draft.length >= 2) {
      this.finish(ctx);
      return;
    }
    this.draft.push(clampToImage(pointOf(input), ctx.image));
  }

  pointerMove(input: PointerInput, ctx: ToolContext): void {
    if (this.editor.pointerMove(input, ctx)) return;
    this.cursor = clampToImage(pointOf(input), ctx.image);
  }

  pointerUp(input: PointerInput, ctx: ToolContext): void {
    this.editor.pointerUp(input, ctx);
  }

  keyDown(input: KeyInput, ctx: ToolContext): boolean {
    if (this.draft.length === 0) return false;
    if (input.key === "Enter") this.finish(ctx);
    else if (input.key === "Backspace") this.draft.pop();
    else if (input.key === "Escape") this.cancel();
    else return false;
    return true;
  }

  cancel(): void {
    this.draft = [];
    this.editor.cancel();
  }

  overlay(): readonly OverlayItem[] {
    if (this.draft.length === 0) return this.editor.overlay();
    const points = this.cursor === null ? this.draft : [...this.draft, this.cursor];
    return [
      { kind: "path", points, closed: false },
      { kind: "handles", points: this.draft },
    ];
  }

  private finish(ctx: ToolContext): void {
    const points = this.draft.filter((p, i, all) => i === 0 || p[0] !== all[i - 1]?.[0] || p[1] !== all[i - 1]?.[1]);
    this.draft = [];
    if (points.length < 2) {
      ctx.onProblem("A line needs at least 2 distinct points.");
      return;
    }
    addObject(ctx, { type: "polyline", points });
  }
}
