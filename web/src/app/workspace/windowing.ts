// Windowing of DICOM values in the browser: the DICOM linear VOI function the server uses
// for its windowed slices (pixelwise.media.dicom_pixels.window_to_uint8, checked against
// the shared vectors in tests/vectors/dicom_window.json), as a lookup table over the whole
// int16 range, so re-windowing a slice while the user drags is one table read per pixel.
// Also the drag-to-window gesture and the brightness/contrast filter of plain images.

/** A display window in the series' units (HU for CT). */
export interface DisplayWindow {
  readonly level: number;
  readonly width: number;
}

/** A window the user can pick: a named preset, the series' own, or one dragged by hand. */
export interface NamedWindow extends DisplayWindow {
  /** A preset key, "default" (the series' own) or "custom". */
  readonly key: string;
  readonly name: string;
}

const INT16_OFFSET = 32768;

/** Round half to even, as numpy's rint (the server's rounding). */
function rint(x: number): number {
  const down = Math.floor(x);
  const rest = x - down;
  if (rest > 0.5) return down + 1;
  if (rest < 0.5) return down;
  return down % 2 === 0 ? down : down + 1;
}

/** The grey level (0..255) of `value` through a window (width >= 1); `invert` for
 * MONOCHROME1, where the lowest value is white. */
export function greyOf(value: number, level: number, width: number, invert = false): number {
  const bottom = level - 0.5;
  let grey: number;
  if (width <= 1) grey = value > bottom ? 255 : 0;
  else if (value <= bottom - (width - 1) / 2) grey = 0;
  else if (value > bottom + (width - 1) / 2) grey = 255;
  else grey = rint(Math.min(255, Math.max(0, ((value - bottom) / (width - 1) + 0.5) * 255)));
  return invert ? 255 - grey : grey;
}

/** Grey levels of every int16 value (index value + 32768) through a window. */
export function windowTable(window: DisplayWindow, invert = false): Uint8Array {
  const table = new Uint8Array(65536);
  const width = Math.max(1, window.width);
  for (let i = 0; i < table.length; i++) table[i] = greyOf(i - INT16_OFFSET, window.level, width, invert);
  return table;
}

/** Writes `values` through `table` into opaque grey RGBA pixels (`out`: 4 bytes a value). */
export function paintValues(values: Int16Array, table: Uint8Array, out: Uint8ClampedArray): void {
  const words = new Uint32Array(out.buffer, out.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) {
    const g = table[(values[i] as number) + INT16_OFFSET] as number;
    words[i] = 0xff000000 | (g << 16) | (g << 8) | g; // little-endian RGBA: alpha in the top byte
  }
}

/** Screen pixels of drag that double (or halve) the window width or the contrast. */
const DOUBLING_PX = 200;

/** The window after a drag of (dx, dy) screen pixels from `start`: right widens (less
 * contrast), left narrows; down raises the level (darker), up lowers it (brighter). The
 * level moves by the start width every 300 px, so the feel is the same for any window. */
export function dragWindow(start: DisplayWindow, dx: number, dy: number): DisplayWindow {
  const width = Math.min(65536, Math.max(1, start.width * 2 ** (dx / DOUBLING_PX)));
  const level = Math.min(32767, Math.max(-32768, start.level + (dy * Math.max(start.width, 10)) / 300));
  return { level: Math.round(level * 10) / 10, width: Math.round(width * 10) / 10 };
}

/** Brightness and contrast of plain images as factors (1 is unchanged). */
export interface Tone {
  readonly brightness: number;
  readonly contrast: number;
}

export const NEUTRAL_TONE: Tone = { brightness: 1, contrast: 1 };
export const TONE_RANGE = { min: 0.2, max: 3 } as const;

function clampTone(value: number): number {
  return Math.round(Math.min(TONE_RANGE.max, Math.max(TONE_RANGE.min, value)) * 100) / 100;
}

/** The tone after a drag of (dx, dy) screen pixels from `start`, the gesture of
 * `dragWindow`: right less contrast, left more; up brighter, down darker. */
export function dragTone(start: Tone, dx: number, dy: number): Tone {
  return { brightness: clampTone(start.brightness - dy / 300), contrast: clampTone(start.contrast * 2 ** (-dx / DOUBLING_PX)) };
}

/** The CSS filter that shows an image with `tone`; "" when neutral, so the unchanged
 * image is composited without a filter. */
export function toneFilter(tone: Tone): string {
  const parts: string[] = [];
  if (tone.brightness !== 1) parts.push(`brightness(${tone.brightness})`);
  if (tone.contrast !== 1) parts.push(`contrast(${tone.contrast})`);
  return parts.join(" ");
}
