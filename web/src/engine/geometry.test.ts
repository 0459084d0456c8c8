// Geometry layer: measures, RLE round trips and large counts, rasterising polygons with
// holes, Douglas–Peucker, and immutable vertex edits.

import { describe, expect, it } from "vitest";
import {
  MaskBuffer,
  addHole,
  areaOf,
  bboxOf,
  deleteVertex,
  distanceToSegment,
  insertVertex,
  moveVertex,
  pointInPolygon,
  rasterisePolygon,
  rleDecode,
  rleEncode,
  rleFromString,
  rleToString,
  rotatedBoxCorners,
  scale,
  simplifyPath,
  simplifyRing,
  translate,
  type Point,
  type Polygon,
} from "./geometry";

const square: Point[] = [[0, 0], [10, 0], [10, 10], [0, 10]];
const withHole: Polygon = { type: "polygon", parts: [{ outer: square, holes: [[[3, 3], [7, 3], [7, 7], [3, 7]]] }] };

describe("measures", () => {
  it("bbox and area of every vector shape", () => {
    expect(bboxOf({ type: "box", x: 1, y: 2, w: 3, h: 4 })).toEqual({ x: 1, y: 2, w: 3, h: 4 });
    expect(areaOf(withHole)).toBe(84);
    expect(bboxOf(withHole)).toEqual({ x: 0, y: 0, w: 10, h: 10 });
    expect(bboxOf({ type: "polyline", points: [[5, 1], [2, 8]] })).toEqual({ x: 2, y: 1, w: 3, h: 7 });
    const points = { type: "points" as const, points: [{ x: 1, y: 1, visible: 2 as const }, { x: 50, y: 50, visible: 0 as const }] };
    expect(bboxOf(points)).toEqual({ x: 1, y: 1, w: 0, h: 0 });
  });

  it("rotated box corners turn clockwise on screen", () => {
    const corners = rotatedBoxCorners({ type: "rotated_box", cx: 0, cy: 0, w: 4, h: 2, angle: 90 });
    const rounded = corners.map(([x, y]) => [Math.round(x * 1e9) / 1e9 + 0, Math.round(y * 1e9) / 1e9 + 0]);
    expect(rounded).toEqual([[1, -2], [1, 2], [-1, 2], [-1, -2]]);
    const bbox = bboxOf({ type: "rotated_box", cx: 5, cy: 5, w: 4, h: 2, angle: 90 });
    expect(bbox.w).toBeCloseTo(2);
    expect(bbox.h).toBeCloseTo(4);
  });

  it("point in polygon respects holes and parts", () => {
    expect(pointInPolygon(1, 1, withHole)).toBe(true);
    expect(pointInPolygon(5, 5, withHole)).toBe(false);
    const two: Polygon = { ...withHole, parts: [...withHole.parts, { outer: [[20, 0], [30, 0], [25, 5]], holes: [] }] };
    expect(pointInPolygon(25, 2, two)).toBe(true);
  });

  it("distance to a segment clamps to its ends", () => {
    expect(distanceToSegment([5, 3], [0, 0], [10, 0])).toBe(3);
    expect(distanceToSegment([13, 4], [0, 0], [10, 0])).toBe(5);
    expect(distanceToSegment([3, 4], [0, 0], [0, 0])).toBe(5);
  });
});

describe("RLE and masks", () => {
  it("round-trips a mask, column-major, starting with zeros", () => {
    // 2 rows x 3 cols: row-major [[0,1,1],[1,0,1]] -> columns: (0,1),(1,0),(1,1)
    const pixels = Uint8Array.from([0, 1, 1, 1, 0, 1]);
    const rle = rleEncode(pixels, 3, 2);
    expect(rle).toEqual({ size: [2, 3], counts: [1, 2, 1, 2] });
    expect(Array.from(rleDecode(rle))).toEqual(Array.from(pixels));
    expect(rleEncode(Uint8Array.from([1, 1]), 2, 1).counts).toEqual([0, 2]);
  });

  it("compressed strings survive counts above 2^31", () => {
    const counts = [3_000_000_000, 7, 2_999_999_990, 1, 0, 123_456_789_012];
    expect(rleFromString(rleToString(counts))).toEqual(counts);
  });

  it("refuses counts that do not cover the mask", () => {
    expect(() => rleDecode({ size: [2, 2], counts: [1, 2] })).toThrow(/add up to 3/);
  });

  it("rasterises by pixel centres, holes cut out", () => {
    const mask = rasterisePolygon(withHole, 12, 12);
    expect(mask.count()).toBe(100 - 16);
    expect(mask.get(5, 5)).toBe(0);
    expect(mask.get(0, 0)).toBe(1);
    expect(mask.get(10, 0)).toBe(0);
    expect(mask.bounds()).toEqual({ x: 0, y: 0, w: 10, h: 10 });
    const rle = mask.toRle();
    expect(MaskBuffer.fromRle(rle).count()).toBe(84);
  });

  it("brush stamps and 4-connected flood fill", () => {
    const mask = new MaskBuffer(10, 10);
    mask.stampSegment([2, 5], [8, 5], 1, 1);
    expect(mask.get(5, 5)).toBe(1);
    expect(mask.get(5, 7)).toBe(0);
    // a closed frame: filling inside must not leak through a diagonal gap
    const frame = new MaskBuffer(5, 5);
    for (let i = 0; i < 5; i++) for (const [c, r] of [[i, 0], [i, 4], [0, i], [4, i]] as const) frame.data[r * 5 + c] = 1;
    frame.data[0] = 0; // corner pixel open: still closed for 4-connectivity
    expect(frame.floodFill(2, 2, 1)).toBe(9);
    expect(frame.get(0, 0)).toBe(0);
  });
});

describe("simplification", () => {
  it("keeps corners and drops points on straight runs", () => {
    const path: Point[] = [];
    for (let x = 0; x <= 10; x++) path.push([x, 0]);
    for (let y = 1; y <= 10; y++) path.push([10, y + (y % 2) * 0.1]);
    expect(simplifyPath(path, 0.5)).toEqual([[0, 0], [10, 0], [10, 10]]);
  });

  it("simplifies a closed loop to its corners", () => {
    const loop: Point[] = [];
    for (let i = 0; i < 10; i++) loop.push([i, 0]);
    for (let i = 0; i < 10; i++) loop.push([10, i]);
    for (let i = 10; i > 0; i--) loop.push([i, 10]);
    for (let i = 10; i > 0; i--) loop.push([0, i]);
    expect(simplifyRing(loop, 0.5)).toEqual([[0, 0], [10, 0], [10, 10], [0, 10]]);
  });
});

describe("vertex edits", () => {
  const ref = { part: 0, ring: 1, index: 0 };
  it("move, insert and delete a hole vertex without touching the original", () => {
    const moved = moveVertex(withHole, ref, [4, 4]);
    expect(moved).not.toBe(withHole);
    expect(withHole.parts[0]?.holes[0]?.[0]).toEqual([3, 3]);
    expect(moved.type === "polygon" && moved.parts[0]?.holes[0]?.[0]).toEqual([4, 4]);
    const inserted = insertVertex(withHole, { part: 0, ring: 0, index: 1 }, [5, -1]);
    expect(inserted.type === "polygon" && inserted.parts[0]?.outer.length).toBe(5);
    const fewer = deleteVertex(withHole, { part: 0, ring: 1, index: 2 });
    expect(fewer !== null && fewer.type === "polygon" && fewer.parts[0]?.holes[0]?.length).toBe(3);
    const triangle: Polygon = { type: "polygon", parts: [{ outer: [[0, 0], [4, 0], [0, 4]], holes: [] }] };
    expect(deleteVertex(triangle, { part: 0, ring: 0, index: 0 })).toBeNull();
    const holed = addHole(triangle, 0, [[1, 1], [2, 1], [1, 2]]);
    const noHole = deleteVertex(holed, { part: 0, ring: 1, index: 0 });
    expect(noHole !== null && noHole.type === "polygon" && noHole.parts[0]?.holes.length).toBe(0);
  });

  it("translate and scale", () => {
    expect(translate({ type: "box", x: 1, y: 1, w: 2, h: 2 }, 3, 4)).toEqual({ type: "box", x: 4, y: 5, w: 2, h: 2 });
    expect(scale({ type: "box", x: 0, y: 0, w: 2, h: 2 }, [0, 0], 2, 3)).toEqual({ type: "box", x: 0, y: 0, w: 4, h: 6 });
    const mask = new MaskBuffer(4, 4);
    mask.data[0] = 1;
    const moved = translate({ type: "mask", rle: mask.toRle() }, 2, 1);
    expect(moved.type === "mask" && Array.from(rleDecode(moved.rle)).indexOf(1)).toBe(1 * 4 + 2);
  });
});
