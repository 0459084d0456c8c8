// Shared stroke handling of the brush and eraser: the target mask is decoded once (a
// copy), painted with round stamps along the pointer path, shown as an overlay while
// painting, and encoded to RLE once on release: one undo step per stroke. Painting that
// leaves a mask empty deletes the object (the server refuses empty masks).

import { deleteCommand } from "../history";
import { MaskBuffer } from "../mask";
import { decodeRleCached, rememberDecoded } from "../maskCache";
import type { Point } from "../shapes";
import { addObject, pointOf, selectedOfType, updateGeometry, type KeyInput, type OverlayItem, type PointerInput, type ToolContext } from "./tool";

/** The brush radius an image starts with: 8 px, or more on large images (about 1/150 of the
 * longer side), so that at the fitted view it is a few screen pixels, not a dot. */
export function defaultBrushRadius(image: { readonly width: number; readonly height: number }): number {
  return Math.max(8, Math.round(Math.max(image.width, image.height) / 150));
}

export abstract class MaskPaintTool {
  abstract readonly name: string;
  private chosen: number | null = null;
  private fallback = 8;
  protected abstract readonly value: 0 | 1;
  private stroke: { id: string | null; classKey: string; mask: MaskBuffer; last: Point } | null = null;
  private cursor: Point | null = null;

  /** Brush radius in image pixels: the one the user chose ([ / ]), else the image's default. */
  get radius(): number {
    return this.chosen ?? this.fallback;
  }

  set radius(pixels: number) {
    this.chosen = pixels;
  }

  /** The mask a stroke paints on: the selected mask object (for the brush, only when it is
   * of the active class: after switching class, a stroke starts that class's own mask), or
   * (brush) a new one. */
  protected target(ctx: ToolContext): { id: string | null; classKey: string; mask: MaskBuffer } | null {
    const object = selectedOfType(ctx, "mask");
    if (object !== null && (this.value === 0 || ctx.classKey === null || object.class === ctx.classKey)) {
      const [height, width] = object.geometry.rle.size;
      if (width === ctx.image.width && height === ctx.image.height) {
        return { id: object.id, classKey: object.class, mask: decodeRleCached(object.geometry.rle).clone() };
      }
    }
    if (this.value === 0 || ctx.classKey === null) return null;
    return { id: null, classKey: ctx.classKey, mask: new MaskBuffer(ctx.image.width, ctx.image.height) };
  }

  pointerDown(input: PointerInput, ctx: ToolContext): void {
    this.fallback = defaultBrushRadius(ctx.image);
    if (input.button !== 0) return;
    const target = this.target(ctx);
    if (target === null) {
      ctx.onProblem(this.value === 0 ? "Select a mask to erase from." : "Choose a class before painting.");
      return;
    }
    const p = pointOf(input);
    target.mask.stampCircle(p[0], p[1], this.radius, this.value);
    this.stroke = { ...target, last: p };
  }

  pointerMove(input: PointerInput, ctx?: ToolContext): void {
    if (ctx !== undefined) this.fallback = defaultBrushRadius(ctx.image);
    const p = pointOf(input);
    this.cursor = p;
    if (this.stroke === null) return;
    this.stroke.mask.stampSegment(this.stroke.last, p, this.radius, this.value);
    this.stroke.last = p;
  }

  pointerUp(input: PointerInput, ctx: ToolContext): void {
    if (this.stroke === null) return;
    this.pointerMove(input, ctx);
    const { id, classKey, mask } = this.stroke;
    this.stroke = null;
    if (mask.isEmpty()) {
      if (id !== null) ctx.history.execute(deleteCommand(ctx.doc, [id], "erase mask"));
      return;
    }
    const rle = mask.toRle();
    rememberDecoded(rle, mask);
    if (id === null) {
      addObject(ctx, { type: "mask", rle }, classKey);
      return;
    }
    const object = ctx.doc.get(id);
    if (object?.geometry.type === "mask") updateGeometry(ctx, id, { ...object.geometry, rle }, this.name);
  }

  keyDown(input: KeyInput): boolean {
    if (input.key === "[" || input.key === "]") {
      this.radius = Math.max(0.5, Math.min(500, this.radius * (input.key === "]" ? 1.25 : 0.8)));
      return true;
    }
    if (input.key === "Escape" && this.stroke !== null) {
      this.stroke = null;
      return true;
    }
    return false;
  }

  cancel(): void {
    this.stroke = null;
  }

  overlay(): readonly OverlayItem[] {
    const items: OverlayItem[] = [];
    if (this.stroke !== null) items.push({ kind: "mask", id: this.stroke.id, classKey: this.stroke.classKey, mask: this.stroke.mask });
    if (this.cursor !== null) items.push({ kind: "circle", center: this.cursor, radius: this.radius });
    return items;
  }
}
