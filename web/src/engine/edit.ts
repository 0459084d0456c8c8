// Immutable edits of shapes used by tools: addressing a vertex (part, ring, index), and
// moving, inserting or deleting it; translating and scaling whole shapes. Every function
// returns a new geometry and leaves the old one untouched, so it can go into history.

import type { Geometry, Keypoint, Part, Point, Polygon, Ring } from "./shapes";
import { MaskBuffer } from "./mask";
import { decodeRleCached, rememberDecoded } from "./maskCache";

/** A vertex: for polygons `ring` 0 is the outer ring and h + 1 is hole h; polylines and
 * points use part 0, ring 0. */
export interface VertexRef {
  readonly part: number;
  readonly ring: number;
  readonly index: number;
}

/** The vertex lists of a shape that can be edited vertex by vertex, with whether each is
 * closed; box-like shapes and masks have none. */
export function vertexRings(geometry: Geometry): { ref: Omit<VertexRef, "index">; points: readonly Point[]; closed: boolean }[] {
  switch (geometry.type) {
    case "polygon":
      return geometry.parts.flatMap((part, p) => [
        { ref: { part: p, ring: 0 }, points: part.outer, closed: true },
        ...part.holes.map((hole, h) => ({ ref: { part: p, ring: h + 1 }, points: hole, closed: true })),
      ]);
    case "polyline":
      return [{ ref: { part: 0, ring: 0 }, points: geometry.points, closed: false }];
    case "points":
      return [{ ref: { part: 0, ring: 0 }, points: geometry.points.map((k): Point => [k.x, k.y]), closed: false }];
    default:
      return [];
  }
}

export function getRing(polygon: Polygon, part: number, ring: number): Ring | undefined {
  const p = polygon.parts[part];
  if (p === undefined) return undefined;
  return ring === 0 ? p.outer : p.holes[ring - 1];
}

function replaceRing(polygon: Polygon, part: number, ring: number, points: Ring): Polygon {
  const parts = polygon.parts.map((p, i): Part => {
    if (i !== part) return p;
    if (ring === 0) return { outer: points, holes: p.holes };
    return { outer: p.outer, holes: p.holes.map((h, j) => (j === ring - 1 ? points : h)) };
  });
  return { ...polygon, parts };
}

function replaceAt<T>(list: readonly T[], index: number, value: T): T[] {
  return list.map((item, i) => (i === index ? value : item));
}

/** The shape with one vertex moved to `to`. */
export function moveVertex(geometry: Geometry, ref: VertexRef, to: Point): Geometry {
  switch (geometry.type) {
    case "polygon": {
      const ring = getRing(geometry, ref.part, ref.ring);
      if (ring === undefined || ref.index >= ring.length) return geometry;
      return replaceRing(geometry, ref.part, ref.ring, replaceAt(ring, ref.index, to));
    }
    case "polyline":
      return { ...geometry, points: replaceAt(geometry.points, ref.index, to) };
    case "points": {
      const k = geometry.points[ref.index];
      if (k === undefined) return geometry;
      return { ...geometry, points: replaceAt(geometry.points, ref.index, { ...k, x: to[0], y: to[1] }) };
    }
    default:
      return geometry;
  }
}

/** The shape with a vertex inserted before `ref.index` (so it becomes that index). */
export function insertVertex(geometry: Geometry, ref: VertexRef, at: Point): Geometry {
  if (geometry.type === "polygon") {
    const ring = getRing(geometry, ref.part, ref.ring);
    if (ring === undefined) return geometry;
    return replaceRing(geometry, ref.part, ref.ring, [...ring.slice(0, ref.index), at, ...ring.slice(ref.index)]);
  }
  if (geometry.type === "polyline") {
    return { ...geometry, points: [...geometry.points.slice(0, ref.index), at, ...geometry.points.slice(ref.index)] };
  }
  return geometry;
}

/** The shape without one vertex; null when that would leave too few (a ring under 3, a
 * line under 2, no points). A hole that would fall under 3 vertices is removed whole. */
export function deleteVertex(geometry: Geometry, ref: VertexRef): Geometry | null {
  const without = <T>(list: readonly T[]): T[] => list.filter((_, i) => i !== ref.index);
  switch (geometry.type) {
    case "polygon": {
      const ring = getRing(geometry, ref.part, ref.ring);
      if (ring === undefined) return geometry;
      if (ring.length > 3) return replaceRing(geometry, ref.part, ref.ring, without(ring));
      return removeRing(geometry, ref.part, ref.ring);
    }
    case "polyline":
      return geometry.points.length > 2 ? { ...geometry, points: without(geometry.points) } : null;
    case "points":
      return geometry.points.length > 1 ? { ...geometry, points: without<Keypoint>(geometry.points) } : null;
    default:
      return geometry;
  }
}

/** Without one ring: a hole, or (ring 0) a whole part; null when nothing would be left. */
export function removeRing(polygon: Polygon, part: number, ring: number): Polygon | null {
  if (ring === 0) {
    const parts = polygon.parts.filter((_, i) => i !== part);
    return parts.length > 0 ? { ...polygon, parts } : null;
  }
  return {
    ...polygon,
    parts: polygon.parts.map((p, i) => (i === part ? { outer: p.outer, holes: p.holes.filter((_, j) => j !== ring - 1) } : p)),
  };
}

export function addHole(polygon: Polygon, part: number, hole: Ring): Polygon {
  return {
    ...polygon,
    parts: polygon.parts.map((p, i) => (i === part ? { outer: p.outer, holes: [...p.holes, hole] } : p)),
  };
}

export function addPart(polygon: Polygon, outer: Ring): Polygon {
  return { ...polygon, parts: [...polygon.parts, { outer, holes: [] }] };
}

/** Applies `f` to every coordinate of a vector shape (masks are handled by the callers). */
function mapPoints(geometry: Geometry, f: (x: number, y: number) => Point): Geometry {
  const ring = (r: Ring): Ring => r.map((p) => f(p[0], p[1]));
  switch (geometry.type) {
    case "box": {
      const [x0, y0] = f(geometry.x, geometry.y);
      const [x1, y1] = f(geometry.x + geometry.w, geometry.y + geometry.h);
      return { ...geometry, x: Math.min(x0, x1), y: Math.min(y0, y1), w: Math.abs(x1 - x0), h: Math.abs(y1 - y0) };
    }
    case "rotated_box": {
      const [cx, cy] = f(geometry.cx, geometry.cy);
      return { ...geometry, cx, cy };
    }
    case "polygon":
      return { ...geometry, parts: geometry.parts.map((p) => ({ outer: ring(p.outer), holes: p.holes.map(ring) })) };
    case "polyline":
      return { ...geometry, points: ring(geometry.points) };
    case "points":
      return {
        ...geometry,
        points: geometry.points.map((k) => {
          const [x, y] = f(k.x, k.y);
          return { ...k, x, y };
        }),
      };
    default:
      return geometry;
  }
}

/** The shape moved by (dx, dy); masks move by whole pixels (rounded). */
export function translate(geometry: Geometry, dx: number, dy: number): Geometry {
  if (geometry.type === "mask") {
    const cols = Math.round(dx);
    const rows = Math.round(dy);
    if (cols === 0 && rows === 0) return geometry;
    const source = decodeRleCached(geometry.rle);
    const moved = new MaskBuffer(source.width, source.height);
    for (let row = 0; row < source.height; row++) {
      const to = row + rows;
      if (to < 0 || to >= source.height) continue;
      for (let col = 0; col < source.width; col++) {
        const c = col + cols;
        if (c >= 0 && c < source.width && source.data[row * source.width + col]) moved.data[to * source.width + c] = 1;
      }
    }
    const rle = moved.toRle();
    rememberDecoded(rle, moved);
    return { ...geometry, rle };
  }
  return mapPoints(geometry, (x, y) => [x + dx, y + dy]);
}

/** The shape scaled about `origin` by (sx, sy); a rotated box scales its own sides. */
export function scale(geometry: Geometry, origin: Point, sx: number, sy: number): Geometry {
  const moved = mapPoints(geometry, (x, y) => [origin[0] + (x - origin[0]) * sx, origin[1] + (y - origin[1]) * sy]);
  if (moved.type === "rotated_box") return { ...moved, w: moved.w * Math.abs(sx), h: moved.h * Math.abs(sy) };
  return moved;
}
