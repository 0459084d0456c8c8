// Hit testing in image coordinates with tolerances given in screen pixels: which object
// is under the pointer (topmost in z-order first, hidden ones skipped), and which vertex
// or edge of a shape is near it (for dragging, inserting and deleting vertices).

import { cachedBbox, distanceToSegmentSquared, pointInPolygon, pointInRing, rotatedBoxCorners } from "./measure";
import { decodeRleCached } from "./maskCache";
import { vertexRings, type VertexRef } from "./edit";
import type { AnnotationObject } from "./document";
import type { Geometry, Point } from "./shapes";

export type HitKind = "vertex" | "edge" | "inside";

export interface Hit {
  readonly id: string;
  readonly kind: HitKind;
  /** For vertex and edge hits: the vertex, or the edge from `index` to the next vertex. */
  readonly vertex?: VertexRef;
  /** For edge hits: the nearest point on the edge. */
  readonly at?: Point;
}

export interface VertexPick {
  readonly ref: VertexRef;
  readonly distance: number;
}

export interface EdgePick {
  readonly ref: VertexRef;
  readonly at: Point;
  readonly distance: number;
}

/** The vertex of `geometry` nearest to (x, y) within `tolerance` image px. Keypoints
 * with visibility 0 are included (they are still placed on screen). */
export function pickVertex(geometry: Geometry, x: number, y: number, tolerance: number): VertexPick | null {
  let best: VertexPick | null = null;
  const limit = tolerance * tolerance;
  for (const { ref, points } of vertexRings(geometry)) {
    points.forEach((p, index) => {
      const d = (p[0] - x) ** 2 + (p[1] - y) ** 2;
      if (d <= limit && (best === null || d < best.distance ** 2)) {
        best = { ref: { ...ref, index }, distance: Math.sqrt(d) };
      }
    });
  }
  return best;
}

/** The edge of `geometry` nearest to (x, y) within `tolerance`; `ref.index` is the edge's
 * first vertex (insert at index + 1 to split it). */
export function pickEdge(geometry: Geometry, x: number, y: number, tolerance: number): EdgePick | null {
  let best: EdgePick | null = null;
  const limit = tolerance * tolerance;
  for (const { ref, points, closed } of vertexRings(geometry)) {
    if (geometry.type === "points") continue;
    const n = points.length;
    const edges = closed ? n : n - 1;
    for (let i = 0; i < edges; i++) {
      const a = points[i] as Point;
      const b = points[(i + 1) % n] as Point;
      const d = distanceToSegmentSquared(x, y, a[0], a[1], b[0], b[1]);
      if (d <= limit && (best === null || d < best.distance ** 2)) {
        const dx = b[0] - a[0];
        const dy = b[1] - a[1];
        const length = dx * dx + dy * dy;
        const t = length === 0 ? 0 : Math.min(1, Math.max(0, ((x - a[0]) * dx + (y - a[1]) * dy) / length));
        best = { ref: { ...ref, index: i }, at: [a[0] + t * dx, a[1] + t * dy], distance: Math.sqrt(d) };
      }
    }
  }
  return best;
}

function nearRing(ring: readonly Point[], x: number, y: number, limit: number, closed: boolean): boolean {
  const n = ring.length;
  const edges = closed ? n : n - 1;
  for (let i = 0; i < edges; i++) {
    const a = ring[i] as Point;
    const b = ring[(i + 1) % n] as Point;
    if (distanceToSegmentSquared(x, y, a[0], a[1], b[0], b[1]) <= limit) return true;
  }
  return false;
}

/** Whether (x, y) hits the shape: inside an area, or within `tolerance` of its outline,
 * line or points. Returns the kind of hit, or null. */
export function hitGeometry(geometry: Geometry, x: number, y: number, tolerance: number): HitKind | null {
  const box = cachedBbox(geometry);
  if (x < box.x - tolerance || x > box.x + box.w + tolerance || y < box.y - tolerance || y > box.y + box.h + tolerance) {
    return null;
  }
  const limit = tolerance * tolerance;
  switch (geometry.type) {
    case "box": {
      const ring: Point[] = [
        [geometry.x, geometry.y],
        [geometry.x + geometry.w, geometry.y],
        [geometry.x + geometry.w, geometry.y + geometry.h],
        [geometry.x, geometry.y + geometry.h],
      ];
      if (nearRing(ring, x, y, limit, true)) return "edge";
      return x >= geometry.x && x <= geometry.x + geometry.w && y >= geometry.y && y <= geometry.y + geometry.h ? "inside" : null;
    }
    case "rotated_box": {
      const ring = rotatedBoxCorners(geometry);
      if (nearRing(ring, x, y, limit, true)) return "edge";
      return pointInRing(x, y, ring) ? "inside" : null;
    }
    case "polygon":
      for (const part of geometry.parts) {
        if (nearRing(part.outer, x, y, limit, true)) return "edge";
        for (const hole of part.holes) if (nearRing(hole, x, y, limit, true)) return "edge";
      }
      return pointInPolygon(x, y, geometry) ? "inside" : null;
    case "polyline":
      return nearRing(geometry.points, x, y, limit, false) ? "edge" : null;
    case "points":
      return geometry.points.some((p) => (p.x - x) ** 2 + (p.y - y) ** 2 <= limit) ? "vertex" : null;
    case "mask":
      return decodeRleCached(geometry.rle).get(Math.floor(x), Math.floor(y)) ? "inside" : null;
    case "mask3d":
      return null; // drawn slice by slice; the workspace hit-tests the current slice's mask
  }
}

export interface HitOptions {
  /** Tolerance in screen pixels (divided by the viewport scale). */
  readonly tolerance: number;
  readonly scale: number;
  /** Only objects on this slice / frame (undefined: ignore the field). */
  readonly slice?: number | null;
  readonly frame?: number | null;
  /** Objects whose vertices count first (the selection). */
  readonly preferred?: ReadonlySet<string>;
}

function onPlane(geometry: Geometry, options: HitOptions): boolean {
  if (options.frame !== undefined && (geometry.frame ?? null) !== options.frame) return false;
  if (options.slice !== undefined && geometry.type !== "mask3d" && (geometry.slice ?? null) !== options.slice) return false;
  return true;
}

/** The topmost object under (x, y). `objects` must be in drawing order (bottom first).
 * A vertex of a preferred (selected) object wins over anything; then outlines and lines
 * win over the insides of areas drawn above them, so a thin shape inside a large one can
 * still be picked; among equals the topmost wins. */
export function hitTest(objects: readonly AnnotationObject[], x: number, y: number, options: HitOptions): Hit | null {
  const tolerance = options.tolerance / options.scale;
  if (options.preferred !== undefined) {
    for (let i = objects.length - 1; i >= 0; i--) {
      const object = objects[i] as AnnotationObject;
      if (!options.preferred.has(object.id) || object.hidden || !onPlane(object.geometry, options)) continue;
      const vertex = pickVertex(object.geometry, x, y, tolerance);
      if (vertex !== null) return { id: object.id, kind: "vertex", vertex: vertex.ref };
    }
  }
  let inside: Hit | null = null;
  for (let i = objects.length - 1; i >= 0; i--) {
    const object = objects[i] as AnnotationObject;
    if (object.hidden || !onPlane(object.geometry, options)) continue;
    const kind = hitGeometry(object.geometry, x, y, tolerance);
    if (kind === null) continue;
    if (kind === "inside") {
      inside ??= { id: object.id, kind };
      continue;
    }
    const vertex = pickVertex(object.geometry, x, y, tolerance);
    if (vertex !== null) return { id: object.id, kind: "vertex", vertex: vertex.ref };
    const edge = pickEdge(object.geometry, x, y, tolerance);
    if (edge !== null) return { id: object.id, kind: "edge", vertex: edge.ref, at: edge.at };
    return { id: object.id, kind };
  }
  return inside;
}
