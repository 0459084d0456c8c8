// COCO run-length encoding, bit for bit as pixelwise.domain.geometry_rle and pycocotools:
// runs in column-major order starting with a run of zeros; the compressed string packs
// each count (from the fourth on, its difference from the count two before) into 5-bit
// groups, least significant first, as characters 48 + bits (0x20: more follow, 0x10: sign
// of the last group). Arithmetic avoids 32-bit bit operators so counts above 2^31 work.

import type { Rle } from "./shapes";

export class RleError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = "RleError";
  }
}

/** Counts of a row-major 0/1 pixel array of `height` x `width`, read column by column. */
export function rleEncodeCounts(pixels: ArrayLike<number>, width: number, height: number): number[] {
  if (width < 1 || height < 1 || pixels.length !== width * height) {
    throw new RleError(`A mask must be a non-empty ${height}x${width} array.`, "mask");
  }
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let col = 0; col < width; col++) {
    for (let index = col; index < pixels.length; index += width) {
      const value = pixels[index] ? 1 : 0;
      if (value !== current) {
        counts.push(run);
        run = 0;
        current = value;
      }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

export function rleEncode(pixels: ArrayLike<number>, width: number, height: number): Rle {
  return { size: [height, width], counts: rleEncodeCounts(pixels, width, height) };
}

/** The counts of an RLE as a list, decoding the compressed string form if needed. */
export function rleCounts(rle: Rle, field = "rle.counts"): readonly number[] {
  return typeof rle.counts === "string" ? rleFromString(rle.counts, field) : rle.counts;
}

/** The row-major 0/1 pixels an RLE encodes; RleError when counts do not cover the size. */
export function rleDecode(rle: Rle, field = "rle"): Uint8Array {
  const counts = rleCounts(rle, `${field}.counts`);
  const [height, width] = rle.size;
  let total = 0;
  for (const count of counts) total += count;
  if (total !== height * width) {
    throw new RleError(
      `The mask counts add up to ${total} pixels, but its size ${height}x${width} has ${height * width}.`,
      `${field}.counts`,
    );
  }
  const pixels = new Uint8Array(width * height);
  let position = 0; // column-major index
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] as number;
    if (i % 2 === 1) {
      for (let k = position; k < position + count; k++) {
        const col = Math.floor(k / height);
        const row = k - col * height;
        pixels[row * width + col] = 1;
      }
    }
    position += count;
  }
  return pixels;
}

/** COCO's compressed string for a list of run counts. */
export function rleToString(counts: readonly number[]): string {
  let out = "";
  for (let i = 0; i < counts.length; i++) {
    let x = (counts[i] as number) - (i > 2 ? (counts[i - 2] as number) : 0);
    let more = true;
    while (more) {
      let group = ((x % 32) + 32) % 32;
      x = Math.floor(x / 32);
      more = group & 0x10 ? x !== -1 : x !== 0;
      if (more) group |= 0x20;
      out += String.fromCharCode(group + 48);
    }
  }
  return out;
}

/** The counts in a COCO compressed string; RleError for a string COCO could not write. */
export function rleFromString(text: string, field = "counts"): number[] {
  const counts: number[] = [];
  let x = 0;
  let scale = 1;
  let group = 0;
  for (let position = 0; position < text.length; position++) {
    group = text.charCodeAt(position) - 48;
    if (group < 0 || group >= 64) {
      throw new RleError(
        `The compressed mask has an invalid character ${JSON.stringify(text[position])} at position ${position}.`,
        field,
      );
    }
    x += (group & 0x1f) * scale;
    scale *= 32;
    if (group & 0x20) continue;
    if (group & 0x10) x -= scale;
    if (counts.length > 2) x += counts[counts.length - 2] as number;
    if (x < 0) {
      throw new RleError(`The compressed mask decodes to a negative run at count ${counts.length}.`, field);
    }
    counts.push(x);
    x = 0;
    scale = 1;
  }
  if (group & 0x20) {
    throw new RleError("The compressed mask ends in the middle of a number; the string is cut off.", field);
  }
  return counts;
}

/** The same RLE with counts as COCO's compressed string (smaller JSON). */
export function compressRle(rle: Rle): Rle {
  return typeof rle.counts === "string" ? rle : { size: rle.size, counts: rleToString(rle.counts) };
}
