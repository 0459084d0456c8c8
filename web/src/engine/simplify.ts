// Douglas–Peucker simplification: the freehand tool turns a dense pointer path into a
// polygon with few vertices, keeping every point farther than `tolerance` from the line.

import { distanceToSegmentSquared } from "./measure";
import type { Point } from "./shapes";

export function simplifyPath(points: readonly Point[], tolerance: number): Point[] {
  if (points.length <= 2) return points.slice();
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  const limit = tolerance * tolerance;
  const stack: [number, number][] = [[0, points.length - 1]];
  while (stack.length > 0) {
    const [first, last] = stack.pop() as [number, number];
    const a = points[first] as Point;
    const b = points[last] as Point;
    let worst = -1;
    let worstDistance = limit;
    for (let i = first + 1; i < last; i++) {
      const p = points[i] as Point;
      const d = distanceToSegmentSquared(p[0], p[1], a[0], a[1], b[0], b[1]);
      if (d > worstDistance) {
        worstDistance = d;
        worst = i;
      }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push([first, worst], [worst, last]);
    }
  }
  return points.filter((_, i) => keep[i] === 1);
}

/** A closed path simplified: split at the point farthest from the start so both halves
 * keep their shape, then joined (the first vertex is not repeated at the end). */
export function simplifyRing(points: readonly Point[], tolerance: number): Point[] {
  if (points.length <= 3) return points.slice();
  const start = points[0] as Point;
  let far = 0;
  let farDistance = -1;
  points.forEach((p, i) => {
    const d = (p[0] - start[0]) ** 2 + (p[1] - start[1]) ** 2;
    if (d > farDistance) {
      farDistance = d;
      far = i;
    }
  });
  const first = simplifyPath(points.slice(0, far + 1), tolerance);
  const second = simplifyPath([...points.slice(far), start], tolerance);
  return [...first, ...second.slice(1, -1)];
}
