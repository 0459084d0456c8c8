// The pixel readout under the cursor: the image pixel (x, y) and its value, the RGB of a
// plain image (read from the decoded display image through a 1x1 canvas, one pixel per
// read) or the value of a DICOM slice (from its 16-bit values already in memory; no
// request per move).

import type { Point } from "../../engine/shapes";
import type { Drawable } from "./images";
import type { HuSlice } from "./dicom";

export type PixelValue = { readonly kind: "rgb"; readonly rgb: readonly [number, number, number] } | { readonly kind: "value"; readonly value: number; readonly units: string };

export interface Readout {
  /** Image pixel (column, row), 0-based. */
  readonly x: number;
  readonly y: number;
  readonly value: PixelValue | null;
}

/** The pixel (column, row) an image point falls in, or null outside a width x height image. */
export function pixelAt(point: Point, width: number, height: number): [number, number] | null {
  const x = Math.floor(point[0]);
  const y = Math.floor(point[1]);
  if (x < 0 || y < 0 || x >= width || y >= height) return null;
  return [x, y];
}

/** The value of a slice at pixel (x, y). */
export function sliceValue(slice: HuSlice, x: number, y: number, units: string): PixelValue {
  return { kind: "value", value: slice.values[y * slice.width + x] as number, units };
}

/** The readout as a line of text: "x 12  y 40  RGB 10 20 30" or "x 12  y 40  -998 HU". */
export function formatReadout(readout: Readout): string {
  const where = `x ${readout.x}  y ${readout.y}`;
  const value = readout.value;
  if (value === null) return where;
  if (value.kind === "rgb") return `${where}  RGB ${value.rgb.join(" ")}`;
  return `${where}  ${value.value}${value.units === "" ? "" : ` ${value.units}`}`;
}

/** Reads single pixels of a drawable (a decoded image) through a 1x1 canvas. */
export class PixelProbe {
  private context: OffscreenCanvasRenderingContext2D | null = null;

  /** The RGB at pixel (x, y) of a `width` x `height` image shown from `source` (which may
   * be smaller, a scaled rendition). */
  rgbAt(source: Drawable, width: number, height: number, x: number, y: number): PixelValue | null {
    this.context ??= new OffscreenCanvas(1, 1).getContext("2d", { willReadFrequently: true });
    const c = this.context;
    if (c === null) return null;
    const sx = Math.min(source.width - 1, Math.floor((x * source.width) / width));
    const sy = Math.min(source.height - 1, Math.floor((y * source.height) / height));
    c.clearRect(0, 0, 1, 1);
    c.drawImage(source, sx, sy, 1, 1, 0, 0, 1, 1);
    const data = c.getImageData(0, 0, 1, 1).data;
    return { kind: "rgb", rgb: [data[0] as number, data[1] as number, data[2] as number] };
  }
}
