// The magnifying glass: a round loupe beside the cursor showing the image and the
// annotation `factor` times larger than the canvas does, pixel-sharp (no smoothing), with
// the image pixel under the cursor outlined. It is drawn by the stage in the same frame as
// the canvas, from the same image and document, through its own viewport and renderer
// (the annotation drawn by the engine, so the loupe shows exactly what is saved).

import type { AnnotationDocument } from "../../engine/document";
import { Renderer, type FrameState, type RenderStyle } from "../../engine/render";
import type { Point } from "../../engine/shapes";
import { Viewport } from "../../engine/viewport";
import type { DisplayImage } from "./images";
import { ScaledSurface } from "./surface";

export const MAGNIFIER_FACTORS = { min: 2, max: 8 } as const;
/** Diameter of the loupe, CSS pixels. */
const SIZE = 200;
/** Gap between the cursor and the loupe, CSS pixels. */
const GAP = 24;

export function clampFactor(factor: number): number {
  return Math.min(MAGNIFIER_FACTORS.max, Math.max(MAGNIFIER_FACTORS.min, Math.round(factor)));
}

/** Where the loupe's top-left corner goes for a cursor at (x, y) in a host of
 * width x height: up and right of the cursor, flipped to stay inside. */
export function loupePosition(x: number, y: number, width: number, height: number, size = SIZE): Point {
  let left = x + GAP;
  if (left + size > width) left = x - GAP - size;
  let top = y - GAP - size;
  if (top < 0) top = y + GAP;
  return [Math.max(0, Math.min(left, width - size)), Math.max(0, Math.min(top, height - size))];
}

/** The loupe's viewport: `factor` times the canvas scale, the image point under the
 * cursor (canvas pixels `cursor`) at its centre. */
export function loupeViewport(canvas: Viewport, cursor: Point, factor: number, size = SIZE): Viewport {
  const view = new Viewport(size, size, canvas.imageWidth, canvas.imageHeight, { minScale: 0, maxScale: Infinity });
  const [ix, iy] = canvas.toImage(cursor[0], cursor[1]);
  view.scale = canvas.scale * factor;
  view.offsetX = size / 2 - ix * view.scale;
  view.offsetY = size / 2 - iy * view.scale;
  view.version++;
  return view;
}

function context(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext("2d");
  if (ctx === null) throw new Error("this browser gives no 2D canvas");
  return ctx;
}

export class Magnifier {
  readonly element: HTMLDivElement;
  factor: number;
  private readonly imageCanvas: HTMLCanvasElement;
  private readonly image: CanvasRenderingContext2D;
  private readonly shapes: ScaledSurface;
  private readonly renderer: Renderer;
  private ratio = 0;

  constructor(host: HTMLElement, style: RenderStyle, factor: number) {
    this.factor = clampFactor(factor);
    this.element = document.createElement("div");
    this.element.className = "ws-loupe";
    this.element.dataset["testid"] = "magnifier";
    this.element.style.width = `${SIZE}px`;
    this.element.style.height = `${SIZE}px`;
    this.element.hidden = true;
    this.imageCanvas = document.createElement("canvas");
    const shapesCanvas = document.createElement("canvas");
    this.element.append(this.imageCanvas, shapesCanvas);
    host.append(this.element);
    this.image = context(this.imageCanvas);
    this.shapes = new ScaledSurface(context(shapesCanvas), 1);
    this.renderer = new Renderer(style);
  }

  /** The CSS filter of the image (brightness and contrast), as the canvas has it. */
  setFilter(filter: string): void {
    this.imageCanvas.style.filter = filter;
  }

  /** Draws the loupe for a cursor at canvas pixels `cursor` (null: hidden). */
  draw(image: DisplayImage | null, doc: AnnotationDocument, viewport: Viewport, state: FrameState, cursor: Point | null): void {
    if (cursor === null || image === null) {
      this.element.hidden = true;
      return;
    }
    this.element.hidden = false;
    const [left, top] = loupePosition(cursor[0], cursor[1], viewport.screenWidth, viewport.screenHeight);
    this.element.style.transform = `translate(${left}px, ${top}px)`;
    const ratio = window.devicePixelRatio || 1;
    if (ratio !== this.ratio) {
      this.ratio = ratio;
      this.shapes.ratio = ratio;
      for (const canvas of this.element.querySelectorAll("canvas")) {
        canvas.width = Math.round(SIZE * ratio);
        canvas.height = Math.round(SIZE * ratio);
        canvas.style.width = `${SIZE}px`;
        canvas.style.height = `${SIZE}px`;
      }
    }
    const view = loupeViewport(viewport, cursor, this.factor);
    const c = this.image;
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.fillStyle = "#111318";
    c.fillRect(0, 0, this.imageCanvas.width, this.imageCanvas.height);
    c.setTransform(view.scale * ratio, 0, 0, view.scale * ratio, view.offsetX * ratio, view.offsetY * ratio);
    c.imageSmoothingEnabled = false;
    c.drawImage(image.full, 0, 0, image.width, image.height);
    this.renderer.draw(this.shapes, doc, view, state);
    // The pixel under the cursor (the one the readout names).
    const [ix, iy] = viewport.toImage(cursor[0], cursor[1]);
    const s = this.shapes.ctx;
    s.setTransform(view.scale * ratio, 0, 0, view.scale * ratio, view.offsetX * ratio, view.offsetY * ratio);
    s.setLineDash([]);
    s.lineWidth = 1.5 / view.scale;
    s.strokeStyle = "rgba(255, 255, 255, 0.9)";
    s.strokeRect(Math.floor(ix), Math.floor(iy), 1, 1);
  }

  destroy(): void {
    this.element.remove();
  }
}
