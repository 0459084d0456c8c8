// The shared vectors in tests/vectors/geometry.json, generated from the server's Python
// geometry: the client must encode, decode, flag, clip and refuse exactly as it does.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  GeometryError,
  RleError,
  isDegenerate,
  isSelfIntersecting,
  pointInPart,
  pointInRing,
  rleDecode,
  rleEncodeCounts,
  rleFromString,
  rleToString,
  validateGeometry,
  type Geometry,
  type Point,
} from "./geometry";

interface Vectors {
  image: { width: number; height: number };
  rle: { name: string; size: [number, number]; rows: string[]; counts: number[]; string: string }[];
  bad_rle_strings: { name: string; string: string }[];
  rings: { name: string; ring: Point[]; self_intersecting: boolean; degenerate: boolean }[];
  point_in_polygon: { name: string; outer: Point[]; holes: Point[][]; points: Point[]; in_outer: boolean[]; inside: boolean[] }[];
  validate: { name: string; geometry: Geometry; result?: Geometry; flags?: string[]; error?: string }[];
}

const vectors = JSON.parse(
  readFileSync(new URL("../../../tests/vectors/geometry.json", import.meta.url), "utf8"),
) as Vectors;

describe("shared RLE vectors", () => {
  it.each(vectors.rle.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const [height, width] = c.size;
    const pixels = Uint8Array.from(c.rows.join(""), (ch) => (ch === "1" ? 1 : 0));
    expect(rleEncodeCounts(pixels, width, height)).toEqual(c.counts);
    expect(rleToString(c.counts)).toBe(c.string);
    expect(rleFromString(c.string)).toEqual(c.counts);
    expect(Array.from(rleDecode({ size: c.size, counts: c.string }))).toEqual(Array.from(pixels));
  });

  it.each(vectors.bad_rle_strings.map((c) => [c.name, c] as const))("refuses %s", (_name, c) => {
    expect(() => rleFromString(c.string)).toThrow(RleError);
  });
});

describe("shared ring vectors", () => {
  it.each(vectors.rings.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    expect(isSelfIntersecting(c.ring)).toBe(c.self_intersecting);
    expect(isDegenerate(c.ring)).toBe(c.degenerate);
  });
});

describe("shared point-in-polygon vectors", () => {
  it.each(vectors.point_in_polygon.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    expect(c.points.map(([x, y]) => pointInRing(x, y, c.outer))).toEqual(c.in_outer);
    expect(c.points.map(([x, y]) => pointInPart(x, y, { outer: c.outer, holes: c.holes }))).toEqual(c.inside);
  });
});

describe("shared clipping and refusal vectors", () => {
  it.each(vectors.validate.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    if (c.error !== undefined) {
      let field: string | null = null;
      try {
        validateGeometry(c.geometry, vectors.image);
      } catch (error) {
        expect(error).toBeInstanceOf(GeometryError);
        field = (error as GeometryError).field;
      }
      expect(field).toBe(c.error);
      return;
    }
    const checked = validateGeometry(c.geometry, vectors.image);
    expect(JSON.parse(JSON.stringify(checked.geometry))).toEqual(c.result);
    expect(checked.flags).toEqual(c.flags);
  });
});
