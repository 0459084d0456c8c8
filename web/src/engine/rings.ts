// Ring rules shared with the server (pixelwise.domain.geometry_rings): the same exact
// floating-point orientation tests, so a ring the client flags as self-intersecting is
// the one the server flags, and a ring it calls degenerate is one the server refuses.

import type { Point, Ring } from "./shapes";

export const MAX_RING_VERTICES = 10_000;
export const COLLINEAR_TOLERANCE = 1e-6;

function same(a: Point, b: Point): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

/** The ring without a repeated closing vertex (the server's `_array`). */
function open(ring: Ring): Point[] {
  const points = ring.slice();
  if (points.length > 1 && same(points[0] as Point, points[points.length - 1] as Point)) points.pop();
  return points;
}

/** Without consecutive repeats and, for a ring, without a closing repeat. */
export function tidyVertices(points: readonly Point[], closed: boolean): Point[] {
  const tidy = points.filter((p, i) => i === 0 || !same(p, points[i - 1] as Point));
  if (closed && tidy.length > 1 && same(tidy[0] as Point, tidy[tidy.length - 1] as Point)) tidy.pop();
  return tidy;
}

export function distinctCount(points: readonly Point[]): number {
  return new Set(points.map((p) => `${p[0]},${p[1]}`)).size;
}

/** True when the ring encloses no area: all its vertices lie on one line. */
export function isDegenerate(ring: Ring): boolean {
  const points = open(ring);
  if (points.length < 3) return true;
  const [x0, y0] = points[0] as Point;
  let far = 0;
  let farLength = 0;
  points.forEach((p, i) => {
    const length = Math.hypot(p[0] - x0, p[1] - y0);
    if (length > farLength) {
      farLength = length;
      far = i;
    }
  });
  if (farLength === 0) return true;
  const f = points[far] as Point;
  const dx = (f[0] - x0) / farLength;
  const dy = (f[1] - y0) / farLength;
  return points.every((p) => Math.abs((p[0] - x0) * dy - (p[1] - y0) * dx) <= COLLINEAR_TOLERANCE);
}

function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return Math.sign((bx - ax) * (cy - ay) - (by - ay) * (cx - ax));
}

function between(a: number, b: number, c: number): boolean {
  return Math.min(a, b) <= c && c <= Math.max(a, b);
}

/** Whether segments p-q and r-s meet (touching counts). */
export function segmentsMeet(p: Point, q: Point, r: Point, s: Point): boolean {
  const o1 = orient(p[0], p[1], q[0], q[1], r[0], r[1]);
  const o2 = orient(p[0], p[1], q[0], q[1], s[0], s[1]);
  const o3 = orient(r[0], r[1], s[0], s[1], p[0], p[1]);
  const o4 = orient(r[0], r[1], s[0], s[1], q[0], q[1]);
  if (o1 * o2 < 0 && o3 * o4 < 0) return true;
  return (
    (o1 === 0 && between(p[0], q[0], r[0]) && between(p[1], q[1], r[1])) ||
    (o2 === 0 && between(p[0], q[0], s[0]) && between(p[1], q[1], s[1])) ||
    (o3 === 0 && between(r[0], s[0], p[0]) && between(r[1], s[1], p[1])) ||
    (o4 === 0 && between(r[0], s[0], q[0]) && between(r[1], s[1], q[1]))
  );
}

/** True when two edges cross or touch anywhere except at the vertex neighbouring edges
 * share, or when neighbouring edges fold back over each other. Sweep along x: only edges
 * whose x ranges overlap are compared. */
export function isSelfIntersecting(ring: Ring): boolean {
  const all = open(ring);
  const points = all.filter((p, i) => i === 0 || !same(p, all[i - 1] as Point));
  const n = points.length;
  if (n < 3) return false;
  for (let i = 0; i < n; i++) {
    const p = points[i] as Point;
    const prev = points[(i - 1 + n) % n] as Point;
    const next = points[(i + 1) % n] as Point;
    const bx = prev[0] - p[0];
    const by = prev[1] - p[1];
    const ax = next[0] - p[0];
    const ay = next[1] - p[1];
    if (bx * ay - by * ax === 0 && bx * ax + by * ay > 0) return true;
  }
  if (n === 3) return false;
  const left = new Float64Array(n);
  const right = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = points[i] as Point;
    const b = points[(i + 1) % n] as Point;
    left[i] = Math.min(a[0], b[0]);
    right[i] = Math.max(a[0], b[0]);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => (left[i] as number) - (left[j] as number) || i - j,
  );
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    const end = right[i] as number;
    for (let m = k + 1; m < n; m++) {
      const j = order[m] as number;
      if ((left[j] as number) > end) break;
      const gap = Math.abs(i - j);
      if (gap === 1 || gap === n - 1) continue;
      if (
        segmentsMeet(
          points[i] as Point,
          points[(i + 1) % n] as Point,
          points[j] as Point,
          points[(j + 1) % n] as Point,
        )
      ) {
        return true;
      }
    }
  }
  return false;
}
