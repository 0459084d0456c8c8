// Decoded masks remembered per RLE value: RLE objects are immutable, so hit testing,
// bounding boxes and rendering decode each mask once, not on every frame.

import { MaskBuffer } from "./mask";
import type { Rle } from "./shapes";

const decoded = new WeakMap<Rle, MaskBuffer>();

/** The decoded mask of `rle`; callers must not change it (clone before painting). */
export function decodeRleCached(rle: Rle): MaskBuffer {
  let mask = decoded.get(rle);
  if (mask === undefined) {
    mask = MaskBuffer.fromRle(rle);
    decoded.set(rle, mask);
  }
  return mask;
}

/** Records that `mask` is what `rle` decodes to (a tool that just encoded it). */
export function rememberDecoded(rle: Rle, mask: MaskBuffer): void {
  decoded.set(rle, mask);
}
