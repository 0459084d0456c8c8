// Bucket fill (4-connected). With a mask of the active class selected, a click fills the
// region of equal pixels under it (shift-click clears it instead). Otherwise a click fills
// the empty region around it, bounded by every visible mask on this plane, into a new mask
// of the active class: a quick way to label the gap between other masks.

import { MaskBuffer } from "../mask";
import { decodeRleCached, rememberDecoded } from "../maskCache";
import { deleteCommand } from "../history";
import { addObject, selectedOfType, updateGeometry, type KeyInput, type OverlayItem, type PointerInput, type Tool, type ToolContext } from "./tool";

export class FillTool implements Tool {
  readonly name = "fill";

  pointerDown(input: PointerInput, ctx: ToolContext): void {
    if (input.button !== 0) return;
    const col = Math.floor(input.x);
    const row = Math.floor(input.y);
    const { width, height } = ctx.image;
    if (col < 0 || row < 0 || col >= width || row >= height) return;
    const selected = selectedOfType(ctx, "mask");
    const object = selected !== null && (ctx.classKey === null || selected.class === ctx.classKey) ? selected : null;
    if (object !== null) {
      const mask = decodeRleCached(object.geometry.rle).clone();
      if (mask.width !== width || mask.height !== height) return;
      if (mask.floodFill(col, row, input.shift ? 0 : 1) === 0) return;
      if (mask.isEmpty()) {
        ctx.history.execute(deleteCommand(ctx.doc, [object.id], "fill"));
        return;
      }
      const rle = mask.toRle();
      rememberDecoded(rle, mask);
      updateGeometry(ctx, object.id, { ...object.geometry, rle }, "fill");
      return;
    }
    let walls = new MaskBuffer(width, height);
    for (const other of ctx.doc.ordered()) {
      const g = other.geometry;
      if (other.hidden || g.type !== "mask" || (g.slice ?? null) !== (ctx.slice ?? null)) continue;
      const decoded = decodeRleCached(g.rle);
      if (decoded.width === width && decoded.height === height) walls = walls.union(decoded);
    }
    if (walls.get(col, row)) return;
    const mask = new MaskBuffer(width, height);
    mask.floodFill(col, row, 1, walls);
    const rle = mask.toRle();
    rememberDecoded(rle, mask);
    addObject(ctx, { type: "mask", rle });
  }

  pointerMove(): void {}
  pointerUp(): void {}
  keyDown(_input: KeyInput): boolean {
    return false;
  }
  cancel(): void {}
  overlay(): readonly OverlayItem[] {
    return [];
  }
}
