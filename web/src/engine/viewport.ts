// Image <-> screen transform of the labeling canvas: screen = image * scale + offset.
// Pan, zoom about a point (the cursor or the pinch centre) by a factor, fit the image to
// the canvas, 1:1 pixels, and a clamped zoom range. A `version` counter lets the renderer
// know when the transform changed.

import type { Point } from "./shapes";

export interface ViewportOptions {
  readonly minScale?: number;
  readonly maxScale?: number;
}

export class Viewport {
  scale = 1;
  offsetX = 0;
  offsetY = 0;
  version = 0;
  readonly minScale: number;
  readonly maxScale: number;

  constructor(
    public screenWidth: number,
    public screenHeight: number,
    public imageWidth: number,
    public imageHeight: number,
    options: ViewportOptions = {},
  ) {
    this.minScale = options.minScale ?? 0.01;
    this.maxScale = options.maxScale ?? 64;
  }

  toScreen(x: number, y: number): Point {
    return [x * this.scale + this.offsetX, y * this.scale + this.offsetY];
  }

  toImage(sx: number, sy: number): Point {
    return [(sx - this.offsetX) / this.scale, (sy - this.offsetY) / this.scale];
  }

  /** A length of `pixels` screen pixels in image pixels (hit tolerances, handle sizes). */
  screenToImageLength(pixels: number): number {
    return pixels / this.scale;
  }

  clampScale(scale: number): number {
    return Math.min(this.maxScale, Math.max(this.minScale, scale));
  }

  resize(screenWidth: number, screenHeight: number): void {
    this.screenWidth = screenWidth;
    this.screenHeight = screenHeight;
    this.version++;
  }

  setImageSize(width: number, height: number): void {
    this.imageWidth = width;
    this.imageHeight = height;
    this.version++;
  }

  panBy(dx: number, dy: number): void {
    this.offsetX += dx;
    this.offsetY += dy;
    this.version++;
  }

  /** Zoom to `scale` (clamped) keeping the image point under screen (sx, sy) in place. */
  zoomTo(scale: number, sx: number, sy: number): void {
    const [ix, iy] = this.toImage(sx, sy);
    this.scale = this.clampScale(scale);
    this.offsetX = sx - ix * this.scale;
    this.offsetY = sy - iy * this.scale;
    this.version++;
  }

  /** Zoom by `factor` about screen (sx, sy): wheel notches and pinch gestures. */
  zoomAt(sx: number, sy: number, factor: number): void {
    this.zoomTo(this.scale * factor, sx, sy);
  }

  /** The scale at which the whole image fits the canvas, `padding` screen px each side. */
  fitScale(padding = 0): number {
    const w = Math.max(1, this.screenWidth - 2 * padding);
    const h = Math.max(1, this.screenHeight - 2 * padding);
    return Math.min(w / this.imageWidth, h / this.imageHeight);
  }

  /** Whole image visible and centred. */
  fit(padding = 0): void {
    this.scale = this.clampScale(this.fitScale(padding));
    this.center();
  }

  /** One image pixel per screen pixel, centred on the image point now at the canvas centre. */
  oneToOne(): void {
    this.zoomTo(1, this.screenWidth / 2, this.screenHeight / 2);
  }

  center(): void {
    this.offsetX = (this.screenWidth - this.imageWidth * this.scale) / 2;
    this.offsetY = (this.screenHeight - this.imageHeight * this.scale) / 2;
    this.version++;
  }

  /** The image-space rectangle [x0, x1] x [y0, y1] the canvas shows. */
  visibleRect(): { x0: number; y0: number; x1: number; y1: number } {
    const [x0, y0] = this.toImage(0, 0);
    const [x1, y1] = this.toImage(this.screenWidth, this.screenHeight);
    return { x0, y0, x1, y1 };
  }
}

/** The zoom factor of one wheel event: 2x per 500 px of scroll, lines and pages counted
 * as 16 and 400 px (WheelEvent.deltaMode 1 and 2); pinch gestures arrive as ctrl+wheel
 * with small deltas and use the same curve. */
export function wheelZoomFactor(deltaY: number, deltaMode = 0): number {
  const pixels = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return 2 ** (-pixels / 500);
}
