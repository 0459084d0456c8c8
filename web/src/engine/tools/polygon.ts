// Polygon tool. Click to add vertices; click the first vertex (3 or more placed), press
// Enter or double-click to close; Backspace removes the last vertex, Escape drops the
// draft. On the selected polygon: drag a vertex to move it, ctrl/cmd-click a vertex to
// delete it or an edge to insert one. Starting the ring with Alt held makes it a hole of
// the selected polygon, with Shift another part of it (`mode` sets the default).

import type { Point } from "../shapes";
import { commitRing, ringModeAt, type RingMode } from "./rings";
import { clampToImage, pointOf, tolerance, type KeyInput, type OverlayItem, type PointerInput, type Tool, type ToolContext } from "./tool";
import { VertexEditor } from "./vertexEdit";

export class PolygonTool implements Tool {
  readonly name = "polygon";
  mode: RingMode = "new";
  private draft: Point[] = [];
  /** What the draft becomes, fixed when its first vertex is placed. */
  private draftMode: RingMode = "new";
  private cursor: Point | null = null;
  private readonly editor = new VertexEditor(["polygon"]);

  get drafting(): boolean {
    return this.draft.length > 0;
  }

  pointerDown(input: PointerInput, ctx: ToolContext): void {
    if (input.button !== 0) return;
    const p = clampToImage(pointOf(input), ctx.image);
    if (this.draft.length === 0) {
      if (this.editor.pointerDown(input, ctx)) return;
      if (input.ctrl) return;
      const mode = ringModeAt(input, this.mode, ctx);
      if (mode === null) return;
      this.draftMode = mode;
      this.draft = [p];
      return;
    }
    const first = this.draft[0] as Point;
    const closes = this.draft.length >= 3 && Math.hypot(p[0] - first[0], p[1] - first[1]) <= tolerance(ctx);
    if (closes || ((input.clicks ?? 1) >= 2 && this.draft.length >= 3)) {
      this.finish(ctx);
      return;
    }
    this.draft.push(p);
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
    if (input.key === "Enter") {
      this.finish(ctx);
      return true;
    }
    if (input.key === "Backspace") {
      this.draft.pop();
      return true;
    }
    if (input.key === "Escape") {
      this.cancel();
      return true;
    }
    return false;
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
      { kind: "handles", points: this.draft, active: 0 },
    ];
  }

  private finish(ctx: ToolContext): void {
    const ring = this.draft;
    this.draft = [];
    commitRing(ctx, ring, this.draftMode);
  }
}
