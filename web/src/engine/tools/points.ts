// Points tool. The first click makes a points object and selects it; later clicks add
// points to it until Enter or Escape ends it. On the selected object, points can be
// dragged and ctrl/cmd-click deletes one.

import type { Keypoint } from "../shapes";
import { addObject, clampToImage, pointOf, updateGeometry, type KeyInput, type OverlayItem, type PointerInput, type Tool, type ToolContext } from "./tool";
import { VertexEditor } from "./vertexEdit";

export class PointsTool implements Tool {
  readonly name = "points";
  /** The object clicks add to; null: the next click starts a new one. */
  private current: string | null = null;
  private readonly editor = new VertexEditor(["points"]);

  pointerDown(input: PointerInput, ctx: ToolContext): void {
    if (input.button !== 0) return;
    if (this.editor.pointerDown(input, ctx) || input.ctrl) return;
    const [x, y] = clampToImage(pointOf(input), ctx.image);
    const point: Keypoint = { x, y, visible: 2 };
    const object = this.current === null ? undefined : ctx.doc.get(this.current);
    if (object !== undefined && object.geometry.type === "points") {
      updateGeometry(ctx, object.id, { ...object.geometry, points: [...object.geometry.points, point] }, "add point");
      ctx.selection.set([object.id]);
      return;
    }
    this.current = addObject(ctx, { type: "points", points: [point] });
  }

  pointerMove(input: PointerInput, ctx: ToolContext): void {
    this.editor.pointerMove(input, ctx);
  }

  pointerUp(input: PointerInput, ctx: ToolContext): void {
    this.editor.pointerUp(input, ctx);
  }

  keyDown(input: KeyInput): boolean {
    if (this.current === null || (input.key !== "Enter" && input.key !== "Escape")) return false;
    this.current = null;
    return true;
  }

  cancel(): void {
    this.current = null;
    this.editor.cancel();
  }

  overlay(): readonly OverlayItem[] {
    return this.editor.overlay();
  }
}
