// Measures of shapes used by hit testing, rendering and tools: bounding boxes, areas,
// rotated-box corners, distances and point-in-polygon (even-odd, holes subtract). Same
// conventions as pixelwise.domain.geometry_measure so the client and exports agree.

import type { Bbox, Geometry, Part, Point, Polygon, Ring, RotatedBox } from "./shapes";
import { decodeRleCached } from "./maskCache";

/** The four corners, clockwise on screen from the box's own top-left corner. */
export function rotatedBoxCorners(box: RotatedBox): [Point, Point, Point, Point] {
  const turn = (box.angle * Math.PI) / 180;
  const cos = Math.cos(turn);
  const sin = Math.sin(turn);
  const corner = (dx: number, dy: number): Point => {
    const ox = (dx * box.w) / 2;
    const oy = (dy * box.h) / 2;
    return [box.cx + ox * cos - oy * sin, box.cy + ox * sin + oy * cos];
  };
  return [corner(-1, -1), corner(1, -1), corner(1, 1), corner(-1, 1)];
}

function extent(points: Iterable<readonly [number, number] | { x: number; y: number }>): Bbox {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of points) {
    const x = "x" in p ? p.x : p[0];
    const y = "x" in p ? p.y : p[1];
    if (x < minX) minX = x;
    if (y < minY) minY = y;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
  }
  if (minX === Infinity) return { x: 0, y: 0, w: 0, h: 0 };
  return { x: minX, y: minY, w: maxX - minX, h: maxY - minY };
}

function* outerVertices(polygon: Polygon): Generator<Point> {
  for (const part of polygon.parts) yield* part.outer;
}

/** The axis-aligned box around a shape (masks: whole pixels; keypoints: labelled ones). */
export function bboxOf(geometry: Geometry): Bbox {
  switch (geometry.type) {
    case "box":
      return { x: geometry.x, y: geometry.y, w: geometry.w, h: geometry.h };
    case "rotated_box":
      return extent(rotatedBoxCorners(geometry));
    case "polygon":
      return extent(outerVertices(geometry));
    case "polyline":
      return extent(geometry.points);
    case "points": {
      const labelled = geometry.points.filter((p) => p.visible !== 0);
      return extent(labelled.length > 0 ? labelled : geometry.points);
    }
    case "mask":
      return decodeRleCached(geometry.rle).bounds();
    case "mask3d": {
      const boxes = geometry.slices
        .map((s) => decodeRleCached(s.rle).bounds())
        .filter((b) => b.w > 0);
      if (boxes.length === 0) return { x: 0, y: 0, w: 0, h: 0 };
      return extent(boxes.flatMap((b): Point[] => [[b.x, b.y], [b.x + b.w, b.y + b.h]]));
    }
  }
}

const bboxCache = new WeakMap<Geometry, Bbox>();

/** `bboxOf`, remembered per geometry value (shapes are immutable). */
export function cachedBbox(geometry: Geometry): Bbox {
  let box = bboxCache.get(geometry);
  if (box === undefined) {
    box = bboxOf(geometry);
    bboxCache.set(geometry, box);
  }
  return box;
}

/** Signed shoelace area (positive when counter-clockwise in y-up terms). */
export function signedRingArea(ring: Ring): number {
  let twice = 0;
  const n = ring.length;
  for (let i = 0; i < n; i++) {
    const a = ring[i] as Point;
    const b = ring[(i + 1) % n] as Point;
    twice += a[0] * b[1] - a[1] * b[0];
  }
  return twice / 2;
}

/** Absolute area of one ring (net area when it crosses itself, as the server computes). */
export function ringArea(ring: Ring): number {
  return ring.length < 3 ? 0 : Math.abs(signedRingArea(ring));
}

/** Outer rings minus holes, summed over parts (overlaps between parts are not removed). */
export function polygonArea(polygon: Polygon): number {
  let total = 0;
  for (const part of polygon.parts) {
    total += ringArea(part.outer);
    for (const hole of part.holes) total -= ringArea(hole);
  }
  return total;
}

/** Area of any shape in square pixels (0 for lines and points; pixel count for masks). */
export function areaOf(geometry: Geometry): number {
  switch (geometry.type) {
    case "box":
    case "rotated_box":
      return geometry.w * geometry.h;
    case "polygon":
      return polygonArea(geometry);
    case "mask":
      return decodeRleCached(geometry.rle).count();
    case "mask3d":
      return geometry.slices.reduce((sum, s) => sum + decodeRleCached(s.rle).count(), 0);
    default:
      return 0;
  }
}

/** Squared distance from (px, py) to the segment a-b. */
export function distanceToSegmentSquared(
  px: number,
  py: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
): number {
  const dx = bx - ax;
  const dy = by - ay;
  const length = dx * dx + dy * dy;
  let t = length === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / length;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = ax + t * dx - px;
  const ey = ay + t * dy - py;
  return ex * ex + ey * ey;
}

export function distanceToSegment(p: Point, a: Point, b: Point): number {
  return Math.sqrt(distanceToSegmentSquared(p[0], p[1], a[0], a[1], b[0], b[1]));
}

/** The point of segment a-b nearest to p, and its parameter t in [0, 1]. */
export function projectOnSegment(p: Point, a: Point, b: Point): { point: Point; t: number } {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const length = dx * dx + dy * dy;
  let t = length === 0 ? 0 : ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length;
  t = Math.min(1, Math.max(0, t));
  return { point: [a[0] + t * dx, a[1] + t * dy], t };
}

/** Whether (x, y) is inside `ring` or on its boundary (even-odd rule, exact arithmetic,
 * the server's `points_in_ring`). */
export function pointInRing(x: number, y: number, ring: Ring): boolean {
  const n = ring.length;
  let inside = false;
  for (let i = 0; i < n; i++) {
    const a = ring[i] as Point;
    const b = ring[(i + 1) % n] as Point;
    const ax = a[0];
    const ay = a[1];
    const bx = b[0];
    const by = b[1];
    const cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
    if (
      cross === 0 &&
      Math.min(ax, bx) <= x &&
      x <= Math.max(ax, bx) &&
      Math.min(ay, by) <= y &&
      y <= Math.max(ay, by)
    ) {
      return true;
    }
    if (ay > y !== by > y) {
      const at = ax + ((y - ay) * (bx - ax)) / (by - ay);
      if (x < at) inside = !inside;
    }
  }
  return inside;
}

/** Inside the outer ring (its boundary included) and in no hole (a hole's boundary is
 * the part's boundary too, and counts as outside, as the shared vectors fix). */
export function pointInPart(x: number, y: number, part: Part): boolean {
  if (!pointInRing(x, y, part.outer)) return false;
  for (const hole of part.holes) if (pointInRing(x, y, hole)) return false;
  return true;
}

/** Whether (x, y) lies exactly on an edge of the ring. */
export function onRing(x: number, y: number, ring: Ring): boolean {
  const n = ring.length;
  for (let i = 0; i < n; i++) {
    const a = ring[i] as Point;
    const b = ring[(i + 1) % n] as Point;
    if (distanceToSegmentSquared(x, y, a[0], a[1], b[0], b[1]) === 0) return true;
  }
  return false;
}

export function pointInPolygon(x: number, y: number, polygon: Polygon): boolean {
  return polygon.parts.some((part) => pointInPart(x, y, part));
}

/** Whether a box (x, y, w, h) and the rectangle [x0, x1] x [y0, y1] overlap. */
export function bboxIntersects(box: Bbox, x0: number, y0: number, x1: number, y1: number): boolean {
  return box.x <= x1 && box.x + box.w >= x0 && box.y <= y1 && box.y + box.h >= y0;
}
