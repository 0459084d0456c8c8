// The server's validate_geometry, run in the client before a save: vertices within
// CLIP_TOLERANCE (1 px) outside the image are clipped to the border (flag "clipped"),
// farther ones are refused naming the field; boxes are clipped and refused only when
// nothing is left; rotated boxes keep their shape and get "extends_outside"; rings are
// tidied, need 3 distinct vertices and some area, get "self_intersecting"; holes must lie
// inside their outer ring; masks must match the image size and have foreground.

import { rotatedBoxCorners, pointInRing } from "./measure";
import { RleError, rleCounts } from "./rle";
import { MAX_RING_VERTICES, distinctCount, isDegenerate, isSelfIntersecting, tidyVertices } from "./rings";
import type { Box, Geometry, Keypoint, Part, Point, Rle, RotatedBox, Size } from "./shapes";

export const CLIP_TOLERANCE = 1;
export const WAS_CLIPPED = "clipped";
export const EXTENDS_OUTSIDE = "extends_outside";
export const SELF_INTERSECTING = "self_intersecting";

export class GeometryError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = "GeometryError";
  }
}

export interface Checked<G extends Geometry = Geometry> {
  readonly geometry: G;
  readonly flags: string[];
}

class Canvas {
  readonly flags: string[] = [];
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  flag(name: string): void {
    if (!this.flags.includes(name)) this.flags.push(name);
  }

  coord(value: number, limit: number, path: string): number {
    if (value < -CLIP_TOLERANCE || value > limit + CLIP_TOLERANCE) {
      throw new GeometryError(`${path} is ${value}, outside the ${this.width}x${this.height} image by more than 1 px.`, path);
    }
    const clipped = Math.min(Math.max(value, 0), limit);
    if (clipped !== value) this.flag(WAS_CLIPPED);
    return clipped;
  }

  point(p: Point, path: string): Point {
    const x = this.coord(p[0], this.width, path);
    const y = this.coord(p[1], this.height, path);
    return x === p[0] && y === p[1] ? p : [x, y];
  }
}

/** `geometry` checked against an image of `size`: the shape after clipping and tidying and
 * the warning flags; GeometryError (with `field`, e.g. `geometry.parts[0].outer[3]`) when
 * the server would refuse it. Slice and frame indices are not checked here. */
export function validateGeometry(geometry: Geometry, size: Size, field = "geometry"): Checked {
  const canvas = new Canvas(size.width, size.height);
  let checked: Geometry;
  switch (geometry.type) {
    case "box":
      checked = clipBox(geometry, canvas, field);
      break;
    case "rotated_box": {
      const cx = canvas.coord(geometry.cx, canvas.width, `${field}.cx`);
      const cy = canvas.coord(geometry.cy, canvas.height, `${field}.cy`);
      const box: RotatedBox = cx === geometry.cx && cy === geometry.cy ? geometry : { ...geometry, cx, cy };
      checked = box;
      for (const [x, y] of rotatedBoxCorners(box)) {
        if (!(x >= 0 && x <= canvas.width && y >= 0 && y <= canvas.height)) canvas.flag(EXTENDS_OUTSIDE);
      }
      break;
    }
    case "polygon":
      checked = {
        ...geometry,
        parts: geometry.parts.map((part, i) => checkPart(part, canvas, `${field}.parts[${i}]`)),
      };
      break;
    case "polyline": {
      const points = tidyVertices(vertices(geometry.points, canvas, `${field}.points`), false);
      if (points.length < 2) {
        throw new GeometryError(`${field}.points: a polyline needs at least 2 distinct points.`, `${field}.points`);
      }
      checked = { ...geometry, points };
      break;
    }
    case "points":
      checked = {
        ...geometry,
        points: geometry.points.map((p, i): Keypoint => {
          if (p.visible === 0) return p;
          const [x, y] = canvas.point([p.x, p.y], `${field}.points[${i}]`);
          return x === p.x && y === p.y ? p : { ...p, x, y };
        }),
      };
      break;
    case "mask":
      checkMask(geometry.rle, canvas, `${field}.rle`);
      checked = geometry;
      break;
    case "mask3d":
      geometry.slices.forEach((s, i) => checkMask(s.rle, canvas, `${field}.slices[${i}].rle`));
      checked = geometry;
      break;
  }
  return { geometry: checked, flags: canvas.flags };
}

function clipBox(box: Box, canvas: Canvas, path: string): Box {
  const left = Math.max(box.x, 0);
  const top = Math.max(box.y, 0);
  const right = Math.min(box.x + box.w, canvas.width);
  const bottom = Math.min(box.y + box.h, canvas.height);
  if (right <= left || bottom <= top) {
    throw new GeometryError(`${path}: the box lies entirely outside the ${canvas.width}x${canvas.height} image.`, path);
  }
  const inside = box.x >= 0 && box.y >= 0 && box.x + box.w <= canvas.width && box.y + box.h <= canvas.height;
  if (inside) return box;
  canvas.flag(WAS_CLIPPED);
  return { ...box, x: left, y: top, w: right - left, h: bottom - top };
}

function vertices(points: readonly Point[], canvas: Canvas, path: string): Point[] {
  if (points.length > MAX_RING_VERTICES) {
    throw new GeometryError(`${path} has ${points.length} vertices; at most ${MAX_RING_VERTICES} are allowed.`, path);
  }
  return points.map((p, i) => canvas.point(p, `${path}[${i}]`));
}

function checkRing(ring: readonly Point[], canvas: Canvas, path: string): Point[] {
  const tidy = tidyVertices(vertices(ring, canvas, path), true);
  const distinct = distinctCount(tidy);
  if (distinct < 3) throw new GeometryError(`${path} has ${distinct} distinct vertices; a ring needs at least 3.`, path);
  if (isDegenerate(tidy)) throw new GeometryError(`${path} encloses no area: all its vertices lie on one line.`, path);
  if (isSelfIntersecting(tidy)) canvas.flag(SELF_INTERSECTING);
  return tidy;
}

function checkPart(part: Part, canvas: Canvas, path: string): Part {
  const outer = checkRing(part.outer, canvas, `${path}.outer`);
  const holes = part.holes.map((hole, j) => checkRing(hole, canvas, `${path}.holes[${j}]`));
  holes.forEach((hole, j) => {
    const k = hole.findIndex((p) => !pointInRing(p[0], p[1], outer));
    if (k >= 0) {
      throw new GeometryError(
        `${path}.holes[${j}][${k}] lies outside the outer ring; a hole must lie inside its part.`,
        `${path}.holes[${j}][${k}]`,
      );
    }
  });
  return { outer, holes };
}

function checkMask(rle: Rle, canvas: Canvas, path: string): void {
  if (rle.size[0] !== canvas.height || rle.size[1] !== canvas.width) {
    throw new GeometryError(`${path}.size is [${rle.size.join(", ")}], but the image is [${canvas.height}, ${canvas.width}].`, `${path}.size`);
  }
  let counts: readonly number[];
  try {
    counts = rleCounts(rle, `${path}.counts`);
  } catch (error) {
    if (error instanceof RleError) throw new GeometryError(error.message, error.field);
    throw error;
  }
  let total = 0;
  let foreground = 0;
  counts.forEach((c, i) => {
    total += c;
    if (i % 2 === 1) foreground += c;
  });
  if (total !== canvas.width * canvas.height) {
    throw new GeometryError(`${path}.counts add up to ${total} pixels, but the mask has ${canvas.width * canvas.height}.`, `${path}.counts`);
  }
  if (foreground === 0) throw new GeometryError(`${path} has no foreground pixels; delete the annotation instead.`, `${path}.counts`);
}
