// Vertex editing of the selected object, shared by the polygon, polyline, points and
// skeleton tools: drag a vertex; ctrl/cmd-click a vertex to delete it, an edge to insert
// one there. The dragged shape is shown as an overlay and committed on release.

import { deleteVertex, insertVertex, moveVertex, type VertexRef } from "../edit";
import { pickEdge, pickVertex } from "../hit";
import { deleteCommand } from "../history";
import type { Geometry } from "../shapes";
import {
  clampToImage,
  pointOf,
  selectedOfType,
  tolerance,
  updateGeometry,
  type OverlayItem,
  type PointerInput,
  type ToolContext,
} from "./tool";

type Editable = "polygon" | "polyline" | "points";

export class VertexEditor {
  private drag: { id: string; classKey: string; ref: VertexRef; geometry: Geometry; moved: boolean } | null = null;

  constructor(private readonly types: readonly Editable[]) {}

  get dragging(): boolean {
    return this.drag !== null;
  }

  /** The vertex of the selected object under the pointer, if any. */
  vertexAt(input: PointerInput, ctx: ToolContext): { id: string; ref: VertexRef } | null {
    const object = selectedOfType(ctx, ...this.types);
    if (object === null) return null;
    const pick = pickVertex(object.geometry, input.x, input.y, tolerance(ctx));
    return pick === null ? null : { id: object.id, ref: pick.ref };
  }

  /** Handles a pointer down; true when it was an edit (the tool then does nothing else). */
  pointerDown(input: PointerInput, ctx: ToolContext): boolean {
    const object = selectedOfType(ctx, ...this.types);
    if (object === null) return false;
    const tol = tolerance(ctx);
    const vertex = pickVertex(object.geometry, input.x, input.y, tol);
    if (input.ctrl) {
      if (vertex !== null) {
        const fewer = deleteVertex(object.geometry, vertex.ref);
        if (fewer === null) ctx.history.execute(deleteCommand(ctx.doc, [object.id], "delete object"));
        else updateGeometry(ctx, object.id, fewer, "delete vertex");
        return true;
      }
      const edge = object.geometry.type === "points" ? null : pickEdge(object.geometry, input.x, input.y, tol);
      if (edge !== null) {
        const at = { ...edge.ref, index: edge.ref.index + 1 };
        updateGeometry(ctx, object.id, insertVertex(object.geometry, at, edge.at), "insert vertex");
        return true;
      }
      return false;
    }
    if (vertex === null) return false;
    this.drag = { id: object.id, classKey: object.class, ref: vertex.ref, geometry: object.geometry, moved: false };
    return true;
  }

  pointerMove(input: PointerInput, ctx: ToolContext): boolean {
    if (this.drag === null) return false;
    const object = ctx.doc.get(this.drag.id);
    if (object === undefined) {
      this.drag = null;
      return false;
    }
    this.drag.geometry = moveVertex(object.geometry, this.drag.ref, clampToImage(pointOf(input), ctx.image));
    this.drag.moved = true;
    return true;
  }

  pointerUp(_input: PointerInput, ctx: ToolContext): boolean {
    const drag = this.drag;
    if (drag === null) return false;
    this.drag = null;
    if (drag.moved) updateGeometry(ctx, drag.id, drag.geometry, "move vertex");
    return true;
  }

  cancel(): void {
    this.drag = null;
  }

  overlay(): OverlayItem[] {
    if (this.drag === null) return [];
    return [{ kind: "shape", id: this.drag.id, classKey: this.drag.classKey, geometry: this.drag.geometry }];
  }
}
