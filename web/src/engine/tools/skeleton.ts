// Skeleton tool. Drag a box around the object: the template's keypoints are placed at
// their default layout (default_x, default_y in a unit box) scaled to it, all visible.
// Then drag keypoints into place; alt-click a keypoint, or press O for the last one
// touched (while its skeleton is selected), to cycle its visibility 2 (visible) ->
// 1 (occluded) -> 0 (not labelled). V stays the Select tool's hotkey.

import type { Keypoint, Points, Visibility } from "../shapes";
import { addObject, clampToImage, pointOf, selectedOfType, tolerance, updateGeometry, type KeyInput, type OverlayItem, type PointerInput, type Tool, type ToolContext } from "./tool";
import { VertexEditor } from "./vertexEdit";
import { pickVertex } from "../hit";
import type { Point } from "../shapes";

export interface SkeletonTemplate {
  readonly key: string;
  readonly keypoints: readonly { readonly key: string; readonly default_x?: number; readonly default_y?: number }[];
  readonly edges: readonly (readonly [string, string])[];
}

const NEXT: Record<Visibility, Visibility> = { 2: 1, 1: 0, 0: 2 };

/** The template's keypoints laid out in the box (x, y, w, h). */
export function layoutSkeleton(template: SkeletonTemplate, x: number, y: number, w: number, h: number): Points {
  return {
    type: "points",
    points: template.keypoints.map((k): Keypoint => ({
      x: x + (k.default_x ?? 0.5) * w,
      y: y + (k.default_y ?? 0.5) * h,
      visible: 2,
      key: k.key,
    })),
  };
}

export class SkeletonTool implements Tool {
  readonly name = "skeleton";
  private start: Point | null = null;
  private end: Point | null = null;
  private active: { id: string; index: number } | null = null;
  private readonly editor = new VertexEditor(["points"]);

  constructor(public template: SkeletonTemplate) {}

  pointerDown(input: PointerInput, ctx: ToolContext): void {
    if (input.button !== 0) return;
    const hit = this.editor.vertexAt(input, ctx);
    if (hit !== null) {
      this.active = { id: hit.id, index: hit.ref.index };
      if (input.alt) {
        this.toggleVisibility(ctx, hit.id, hit.ref.index);
        return;
      }
      this.editor.pointerDown({ ...input, ctrl: false }, ctx);
      return;
    }
    this.start = this.end = clampToImage(pointOf(input), ctx.image);
  }

  pointerMove(input: PointerInput, ctx: ToolContext): void {
    if (this.editor.pointerMove(input, ctx)) return;
    if (this.start !== null) this.end = clampToImage(pointOf(input), ctx.image);
  }

  pointerUp(input: PointerInput, ctx: ToolContext): void {
    if (this.editor.pointerUp(input, ctx)) return;
    const start = this.start;
    if (start === null) return;
    const end = clampToImage(pointOf(input), ctx.image);
    this.start = this.end = null;
    const w = Math.abs(end[0] - start[0]);
    const h = Math.abs(end[1] - start[1]);
    if (Math.max(w, h) < tolerance(ctx)) return;
    const id = addObject(ctx, layoutSkeleton(this.template, Math.min(start[0], end[0]), Math.min(start[1], end[1]), w, h));
    this.active = id === null ? null : { id, index: 0 };
  }

  keyDown(input: KeyInput, ctx: ToolContext): boolean {
    if (input.key === "Escape" && this.start !== null) {
      this.cancel();
      return true;
    }
    if ((input.key === "o" || input.key === "O") && this.active !== null && ctx.selection.single() === this.active.id) {
      return this.toggleVisibility(ctx, this.active.id, this.active.index);
    }
    return false;
  }

  /** Cycles the visibility of one keypoint of a skeleton (undoable). */
  toggleVisibility(ctx: ToolContext, id: string, index: number): boolean {
    const object = ctx.doc.get(id);
    if (object === undefined || object.locked || object.geometry.type !== "points") return false;
    const points = object.geometry.points.map((k, i) => (i === index ? { ...k, visible: NEXT[k.visible] } : k));
    return updateGeometry(ctx, id, { ...object.geometry, points }, "keypoint visibility");
  }

  cancel(): void {
    this.start = this.end = null;
    this.editor.cancel();
  }

  overlay(ctx: ToolContext): readonly OverlayItem[] {
    if (this.start !== null && this.end !== null) {
      const [x0, y0] = this.start;
      const [x1, y1] = this.end;
      const x = Math.min(x0, x1);
      const y = Math.min(y0, y1);
      const w = Math.abs(x1 - x0);
      const h = Math.abs(y1 - y0);
      const preview = layoutSkeleton(this.template, x, y, w, h);
      return [
        { kind: "rect", x, y, w, h },
        { kind: "handles", points: preview.points.map((k): Point => [k.x, k.y]) },
      ];
    }
    const dragging = this.editor.overlay();
    if (dragging.length > 0) return dragging;
    const selected = selectedOfType(ctx, "points");
    if (selected === null || this.active?.id !== selected.id) return [];
    const k = selected.geometry.points[this.active.index];
    return k === undefined ? [] : [{ kind: "circle", center: [k.x, k.y], radius: tolerance(ctx) }];
  }

  /** The keypoint of the selected skeleton under (x, y) within tolerance, if any. */
  keypointAt(ctx: ToolContext, x: number, y: number): number | null {
    const selected = selectedOfType(ctx, "points");
    if (selected === null) return null;
    return pickVertex(selected.geometry, x, y, tolerance(ctx))?.ref.index ?? null;
  }
}
