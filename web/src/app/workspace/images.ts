// Display images of work items, decoded off the main thread into ImageBitmaps once and kept
// for the next few items, so moving to the next item (prefetched) draws without waiting
// for the network or a decode. A large image also gets a reduced copy (at most REDUCED px
// a side) made at the same time, which the canvas draws while the view does not need more
// detail: drawing a 12-megapixel picture scaled down costs far more per frame than drawing
// a screen-sized one.

const KEEP = 4;
const REDUCED = 2048;
const cache = new Map<string, Promise<DisplayImage>>();

/** What the canvas can draw an image from: a decoded file, or a canvas painted in the
 * page (a windowed DICOM slice). */
export type Drawable = ImageBitmap | HTMLCanvasElement | OffscreenCanvas;

export interface DisplayImage {
  readonly width: number;
  readonly height: number;
  readonly full: Drawable;
  /** A copy at most REDUCED px a side, or null when the image is not much larger. */
  readonly reduced: Drawable | null;
}

export function displayUrl(projectId: number, assetId: number): string {
  return `/api/projects/${projectId}/assets/${assetId}/display`;
}

async function fetchImage(url: string): Promise<DisplayImage> {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`The image could not be loaded (${response.status} from ${url}).`);
  const blob = await response.blob();
  const full = await createImageBitmap(blob);
  const factor = REDUCED / Math.max(full.width, full.height);
  const reduced =
    factor < 0.75
      ? await createImageBitmap(blob, {
          resizeWidth: Math.max(1, Math.round(full.width * factor)),
          resizeHeight: Math.max(1, Math.round(full.height * factor)),
          resizeQuality: "medium",
        })
      : null;
  return { width: full.width, height: full.height, full, reduced };
}

/** The decoded image at `url`; a second call for the same URL reuses the first. */
export function loadImage(url: string): Promise<DisplayImage> {
  const known = cache.get(url);
  if (known !== undefined) {
    cache.delete(url); // most recently used last
    cache.set(url, known);
    return known;
  }
  const loading = fetchImage(url);
  loading.catch(() => cache.delete(url));
  cache.set(url, loading);
  while (cache.size > KEEP) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
  return loading;
}

/** The copy to draw when one image pixel covers `devicePixelsPerImagePixel` device pixels. */
export function pickLevel(image: DisplayImage, devicePixelsPerImagePixel: number): Drawable {
  const reduced = image.reduced;
  if (reduced !== null && devicePixelsPerImagePixel * image.width <= reduced.width) return reduced;
  return image.full;
}
