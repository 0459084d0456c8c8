// Sculpt brush for the selected polygon: a round brush that pushes vertices out of its
// circle. Started inside the polygon it pushes the outline outward (grows the shape),
// started outside it pushes inward (dents it). Edges near the brush are split first so
// vertices stay at most `spacing` apart and the outline bends smoothly.

import type { Point, Polygon, Ring } from "../shapes";
import { pointInPolygon } from "../measure";
import { clampToImage, pointOf, selectedOfType, updateGeometry, type KeyInput, type OverlayItem, type PointerInput, type Tool, type ToolContext } from "./tool";

/** One brush step on a ring: split long edges near the circle, then move every vertex
 * inside it to the circle's edge along the ray from the centre. */
export function sculptRing(ring: Ring, center: Point, radius: number, spacing: number): Ring {
  const [cx, cy] = center;
  const near = radius + spacing;
  const dense: Point[] = [];
  const n = ring.length;
  for (let i = 0; i < n; i++) {
    const a = ring[i] as Point;
    const b = ring[(i + 1) % n] as Point;
    dense.push(a);
    const length = Math.hypot(b[0] - a[0], b[1] - a[1]);
    const mx = (a[0] + b[0]) / 2 - cx;
    const my = (a[1] + b[1]) / 2 - cy;
    if (length > spacing && Math.hypot(mx, my) < near + length / 2) {
      const pieces = Math.ceil(length / spacing);
      for (let k = 1; k < pieces; k++) {
        const t = k / pieces;
        dense.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
      }
    }
  }
  let changed = dense.length !== n;
  const pushed = dense.map((p): Point => {
    const dx = p[0] - cx;
    const dy = p[1] - cy;
    const d = Math.hypot(dx, dy);
    if (d >= radius || d === 0) return p;
    changed = true;
    return [cx + (dx / d) * radius, cy + (dy / d) * radius];
  });
  return changed ? pushed : ring;
}

function sculptPolygon(polygon: Polygon, center: Point, radius: number, spacing: number, clamp: (p: Point) => Point): Polygon {
  const ring = (r: Ring): Ring => {
    const out = sculptRing(r, center, radius, spacing);
    return out === r ? r : out.map(clamp);
  };
  return { ...polygon, parts: polygon.parts.map((p) => ({ outer: ring(p.outer), holes: p.holes.map(ring) })) };
}

export class SculptTool implements Tool {
  readonly name = "sculpt";
  /** Brush radius in screen pixels (so it feels the same at every zoom). */
  radius = 20;
  private stroke: { id: string; classKey: string; geometry: Polygon; outward: boolean } | null = null;
  private cursor: Point | null = null;

  private imageRadius(ctx: ToolContext): number {
    return ctx.viewport.screenToImageLength(this.radius);
  }

  pointerDown(input: PointerInput, ctx: ToolContext): void {
    if (input.button !== 0) return;
    const object = selectedOfType(ctx, "polygon");
    if (object === null) {
      ctx.onProblem("Select a polygon to sculpt.");
      return;
    }
    this.stroke = {
      id: object.id,
      classKey: object.class,
      geometry: object.geometry,
      outward: pointInPolygon(input.x, input.y, object.geometry),
    };
    this.apply(input, ctx);
  }

  pointerMove(input: PointerInput, ctx: ToolContext): void {
    this.cursor = pointOf(input);
    if (this.stroke !== null) this.apply(input, ctx);
  }

  pointerUp(_input: PointerInput, ctx: ToolContext): void {
    const stroke = this.stroke;
    this.stroke = null;
    if (stroke !== null) updateGeometry(ctx, stroke.id, stroke.geometry, "sculpt");
  }

  keyDown(input: KeyInput): boolean {
    if (input.key === "[" || input.key === "]") {
      this.radius = Math.max(2, Math.min(400, this.radius * (input.key === "]" ? 1.25 : 0.8)));
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

  overlay(ctx: ToolContext): readonly OverlayItem[] {
    const items: OverlayItem[] = [];
    if (this.stroke !== null) {
      items.push({ kind: "shape", id: this.stroke.id, classKey: this.stroke.classKey, geometry: this.stroke.geometry });
    }
    if (this.cursor !== null) items.push({ kind: "circle", center: this.cursor, radius: this.imageRadius(ctx) });
    return items;
  }

  private apply(input: PointerInput, ctx: ToolContext): void {
    if (this.stroke === null) return;
    const radius = this.imageRadius(ctx);
    const center = pointOf(input);
    // Pushing outward, the brush sits inside the shape and moves vertices away from its
    // centre; pushing inward it sits outside, and the same move dents the outline.
    const inside = pointInPolygon(center[0], center[1], this.stroke.geometry);
    if (inside !== this.stroke.outward) return; // crossed the outline: wait until back
    this.stroke.geometry = sculptPolygon(this.stroke.geometry, center, radius, radius / 2, (p) => clampToImage(p, ctx.image));
  }
}
