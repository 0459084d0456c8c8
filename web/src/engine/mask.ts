// Binary masks in the client: a row-major byte per pixel (what ImageData and the brush
// want), converted to and from COCO RLE at the edges. Pixel (col, row) covers
// [col, col+1] x [row, row+1]; a polygon covers a pixel when it contains its centre.

import { rleDecode, rleEncode } from "./rle";
import type { Bbox, Part, Point, Polygon, Rle } from "./shapes";

export class MaskBuffer {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    data?: Uint8Array,
  ) {
    this.data = data ?? new Uint8Array(width * height);
    if (this.data.length !== width * height) throw new Error("mask data does not match its size");
  }

  static fromRle(rle: Rle): MaskBuffer {
    const [height, width] = rle.size;
    return new MaskBuffer(width, height, rleDecode(rle));
  }

  toRle(): Rle {
    return rleEncode(this.data, this.width, this.height);
  }

  clone(): MaskBuffer {
    return new MaskBuffer(this.width, this.height, this.data.slice());
  }

  get(col: number, row: number): number {
    if (col < 0 || row < 0 || col >= this.width || row >= this.height) return 0;
    return this.data[row * this.width + col] ?? 0;
  }

  count(): number {
    let total = 0;
    for (let i = 0; i < this.data.length; i++) total += this.data[i] as number;
    return total;
  }

  isEmpty(): boolean {
    return this.data.indexOf(1) < 0;
  }

  /** Whole-pixel box around the foreground; all zeros when empty. */
  bounds(): Bbox {
    let left = this.width;
    let top = this.height;
    let right = -1;
    let bottom = -1;
    for (let row = 0; row < this.height; row++) {
      const base = row * this.width;
      for (let col = 0; col < this.width; col++) {
        if (this.data[base + col]) {
          if (col < left) left = col;
          if (col > right) right = col;
          if (row < top) top = row;
          bottom = row;
        }
      }
    }
    if (right < 0) return { x: 0, y: 0, w: 0, h: 0 };
    return { x: left, y: top, w: right + 1 - left, h: bottom + 1 - top };
  }

  /** Sets (value 1) or clears (0) every pixel whose centre lies within `radius` of (x, y). */
  stampCircle(x: number, y: number, radius: number, value: 0 | 1): void {
    const r2 = radius * radius;
    const c0 = Math.max(0, Math.floor(x - radius));
    const c1 = Math.min(this.width - 1, Math.ceil(x + radius));
    const r0 = Math.max(0, Math.floor(y - radius));
    const r1 = Math.min(this.height - 1, Math.ceil(y + radius));
    for (let row = r0; row <= r1; row++) {
      const dy = row + 0.5 - y;
      for (let col = c0; col <= c1; col++) {
        const dx = col + 0.5 - x;
        if (dx * dx + dy * dy <= r2) this.data[row * this.width + col] = value;
      }
    }
  }

  /** A round brush dragged from a to b: circles every half radius along the segment. */
  stampSegment(a: Point, b: Point, radius: number, value: 0 | 1): void {
    const length = Math.hypot(b[0] - a[0], b[1] - a[1]);
    const steps = Math.max(1, Math.ceil(length / Math.max(0.5, radius / 2)));
    for (let i = 0; i <= steps; i++) {
      const t = i / steps;
      this.stampCircle(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]), radius, value);
    }
  }

  /** Sets to `value` the 4-connected region of pixels equal to the one at (col, row);
   * returns how many pixels changed. */
  floodFill(col: number, row: number, value: 0 | 1, region: MaskBuffer = this): number {
    if (col < 0 || row < 0 || col >= this.width || row >= this.height) return 0;
    const { width, height } = this;
    const target = region.data[row * width + col];
    const seen = new Uint8Array(width * height);
    const stack: number[] = [row * width + col];
    seen[row * width + col] = 1;
    let changed = 0;
    while (stack.length > 0) {
      const index = stack.pop() as number;
      if (this.data[index] !== value) {
        this.data[index] = value;
        changed++;
      }
      const c = index % width;
      const neighbours = [
        c > 0 ? index - 1 : -1,
        c < width - 1 ? index + 1 : -1,
        index >= width ? index - width : -1,
        index + width < width * height ? index + width : -1,
      ];
      for (const next of neighbours) {
        if (next >= 0 && !seen[next] && region.data[next] === target) {
          seen[next] = 1;
          stack.push(next);
        }
      }
    }
    return changed;
  }

  /** Pixels set in this or in `other` (same size). */
  union(other: MaskBuffer): MaskBuffer {
    const out = this.clone();
    for (let i = 0; i < out.data.length; i++) if (other.data[i]) out.data[i] = 1;
    return out;
  }
}

/** Marks into `mask` the pixels whose centres lie inside `part` (even-odd over its outer
 * ring and holes). Scanline: each row's crossings are sorted and filled in pairs. */
function rasterisePart(mask: MaskBuffer, part: Part, value: 0 | 1): void {
  const rings = [part.outer, ...part.holes];
  const xs: number[] = [];
  for (let row = 0; row < mask.height; row++) {
    const y = row + 0.5;
    xs.length = 0;
    for (const ring of rings) {
      const n = ring.length;
      for (let i = 0; i < n; i++) {
        const a = ring[i] as Point;
        const b = ring[(i + 1) % n] as Point;
        if (a[1] > y !== b[1] > y) xs.push(a[0] + ((y - a[1]) * (b[0] - a[0])) / (b[1] - a[1]));
      }
    }
    if (xs.length < 2) continue;
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // pixel centres col + 0.5 in [x0, x1)
      const c0 = Math.max(0, Math.ceil((xs[k] as number) - 0.5));
      const c1 = Math.min(mask.width - 1, Math.ceil((xs[k + 1] as number) - 0.5) - 1);
      const base = row * mask.width;
      for (let col = c0; col <= c1; col++) mask.data[base + col] = value;
    }
  }
}

/** The mask of a polygon (parts united, holes cut out) on a `width` x `height` plane. */
export function rasterisePolygon(polygon: Polygon, width: number, height: number): MaskBuffer {
  const mask = new MaskBuffer(width, height);
  for (const part of polygon.parts) {
    const layer = new MaskBuffer(width, height);
    rasterisePart(layer, part, 1);
    for (let i = 0; i < layer.data.length; i++) if (layer.data[i]) mask.data[i] = 1;
  }
  return mask;
}

export function maskToRle(mask: MaskBuffer): Rle {
  return mask.toRle();
}
