// Draws the annotation through the viewport on a Canvas 2D context. The transform is set
// once per frame and shapes are traced in image coordinates, so vertices are not
// transformed one by one. Objects are drawn in z-order; consecutive vector shapes of one
// class are batched: one path, one fill and one stroke per run (holes traced against their
// outer ring's winding, so the nonzero rule cuts them out while overlapping objects of a
// class merge). Selected objects are drawn last, on top. Skeletons get their template's
// edges. Shapes whose bounding box is off screen are skipped; masks are drawn from bitmaps
// cached per RLE value. The run buffer is reused between frames, so the hot loop
// allocates nothing.

import type { AnnotationDocument, AnnotationObject } from "./document";
import { decodeRleCached } from "./maskCache";
import type { MaskBuffer } from "./mask";
import { cachedBbox, rotatedBoxCorners, signedRingArea } from "./measure";
import type { Geometry, Keypoint, Point, Points, Rle, Ring } from "./shapes";
import type { OverlayItem } from "./tools/tool";
import type { Viewport } from "./viewport";

/** The part of CanvasRenderingContext2D the renderer uses (tests pass a recording fake). */
export interface Surface {
  fillStyle: string | CanvasGradient | CanvasPattern;
  strokeStyle: string | CanvasGradient | CanvasPattern;
  lineWidth: number;
  globalAlpha: number;
  imageSmoothingEnabled: boolean;
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void;
  clearRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  closePath(): void;
  rect(x: number, y: number, w: number, h: number): void;
  arc(x: number, y: number, radius: number, start: number, end: number): void;
  fill(rule?: CanvasFillRule): void;
  stroke(): void;
  setLineDash(segments: number[]): void;
  drawImage(image: CanvasImageSource, dx: number, dy: number, dw: number, dh: number): void;
}

export interface PixelImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

/** Turns RGBA pixels into something `drawImage` takes. */
export type BitmapFactory = (image: PixelImage) => CanvasImageSource;

export interface RenderStyle {
  /** CSS colour of a class, "#rrggbb". */
  colorOf: (classKey: string) => string;
  /** The skeleton template's edges of a class, as pairs of keypoint keys (none: no lines). */
  edgesOf?: (classKey: string) => readonly (readonly [string, string])[];
  fillAlpha: number;
  maskAlpha: number;
  /** Screen pixels. */
  lineWidth: number;
  selectedLineWidth: number;
  handleSize: number;
  pointRadius: number;
}

export interface FrameState {
  readonly selection: ReadonlySet<string>;
  readonly overlay: readonly OverlayItem[];
  readonly slice?: number | null;
  readonly frame?: number | null;
}

export const DEFAULT_STYLE: RenderStyle = {
  colorOf: () => "#ff9f1c",
  fillAlpha: 0.25,
  maskAlpha: 0.45,
  lineWidth: 2,
  selectedLineWidth: 3,
  handleSize: 7,
  pointRadius: 4,
};

/** [r, g, b] of "#rgb" or "#rrggbb" (grey for anything else). */
export function parseColor(color: string): [number, number, number] {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color)?.[1];
  if (hex === undefined) return [128, 128, 128];
  const full = hex.length === 3 ? hex.replace(/./g, (c) => c + c) : hex;
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as [number, number, number];
}

function defaultBitmapFactory(image: PixelImage): CanvasImageSource {
  const canvas = new OffscreenCanvas(image.width, image.height);
  const context = canvas.getContext("2d");
  if (context === null) throw new Error("no 2D context for mask bitmaps");
  context.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  return canvas;
}

/** RGBA pixels of a mask in one colour. */
export function maskPixels(mask: MaskBuffer, color: string, alpha: number): PixelImage {
  const [r, g, b] = parseColor(color);
  const a = Math.round(alpha * 255);
  const data = new Uint8ClampedArray(mask.width * mask.height * 4);
  for (let i = 0; i < mask.data.length; i++) {
    if (!mask.data[i]) continue;
    const o = i * 4;
    data[o] = r;
    data[o + 1] = g;
    data[o + 2] = b;
    data[o + 3] = a;
  }
  return { width: mask.width, height: mask.height, data };
}

const clockwise = new WeakMap<Ring, boolean>();

function isClockwise(ring: Ring): boolean {
  let value = clockwise.get(ring);
  if (value === undefined) {
    value = signedRingArea(ring) > 0; // y down: positive shoelace is clockwise on screen
    clockwise.set(ring, value);
  }
  return value;
}

function traceRing(ctx: Surface, ring: readonly Point[], reverse: boolean): void {
  const n = ring.length;
  if (n === 0) return;
  const first = ring[reverse ? n - 1 : 0] as Point;
  ctx.moveTo(first[0], first[1]);
  for (let k = 1; k < n; k++) {
    const p = ring[reverse ? n - 1 - k : k] as Point;
    ctx.lineTo(p[0], p[1]);
  }
  ctx.closePath();
}

/** Adds the area of a shape to the current path (outer rings clockwise, holes not). */
function traceArea(ctx: Surface, g: Geometry): void {
  if (g.type === "box") ctx.rect(g.x, g.y, g.w, g.h);
  else if (g.type === "rotated_box") traceRing(ctx, rotatedBoxCorners(g), false);
  else if (g.type === "polygon") {
    for (let p = 0; p < g.parts.length; p++) {
      const part = g.parts[p];
      if (part === undefined) continue;
      traceRing(ctx, part.outer, !isClockwise(part.outer));
      for (let h = 0; h < part.holes.length; h++) {
        const hole = part.holes[h] as Ring;
        traceRing(ctx, hole, isClockwise(hole));
      }
    }
  }
}

function traceLine(ctx: Surface, g: Geometry): void {
  if (g.type !== "polyline") return;
  const first = g.points[0];
  if (first === undefined) return;
  ctx.moveTo(first[0], first[1]);
  for (let k = 1; k < g.points.length; k++) {
    const p = g.points[k] as Point;
    ctx.lineTo(p[0], p[1]);
  }
}

function tracePoints(ctx: Surface, g: Geometry, radius: number): void {
  if (g.type !== "points") return;
  for (let k = 0; k < g.points.length; k++) {
    const p = g.points[k];
    if (p === undefined || p.visible === 0) continue;
    ctx.moveTo(p.x + radius, p.y);
    ctx.arc(p.x, p.y, radius, 0, Math.PI * 2);
  }
}

const NO_EDGES: readonly (readonly [string, string])[] = [];

function keypoint(g: Points, key: string): Keypoint | undefined {
  for (let k = 0; k < g.points.length; k++) if (g.points[k]?.key === key) return g.points[k];
  return undefined;
}

/** The lines between a skeleton's labelled keypoints (both not 'absent'). */
function traceEdges(ctx: Surface, g: Geometry, edges: readonly (readonly [string, string])[]): void {
  if (g.type !== "points") return;
  for (let e = 0; e < edges.length; e++) {
    const [a, b] = edges[e] as readonly [string, string];
    const p = keypoint(g, a);
    const q = keypoint(g, b);
    if (p === undefined || q === undefined || p.visible === 0 || q.visible === 0) continue;
    ctx.moveTo(p.x, p.y);
    ctx.lineTo(q.x, q.y);
  }
}

function isArea(g: Geometry): boolean {
  return g.type === "box" || g.type === "rotated_box" || g.type === "polygon";
}

export class Renderer {
  private readonly run: AnnotationObject[] = [];
  private readonly selected: AnnotationObject[] = [];
  private readonly skip = new Set<string>();
  private readonly bitmaps = new WeakMap<Rle, { color: string; bitmap: CanvasImageSource }>();
  /** How many objects the last frame drew (tests and a debug overlay read it). */
  drawn = 0;

  constructor(
    readonly style: RenderStyle = DEFAULT_STYLE,
    private readonly makeBitmap: BitmapFactory = defaultBitmapFactory,
  ) {}

  draw(ctx: Surface, doc: AnnotationDocument, viewport: Viewport, state: FrameState): void {
    const { scale } = viewport;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, viewport.screenWidth, viewport.screenHeight);
    ctx.setTransform(scale, 0, 0, scale, viewport.offsetX, viewport.offsetY);
    ctx.imageSmoothingEnabled = false;
    ctx.setLineDash([]);

    this.skip.clear();
    for (const item of state.overlay) if ((item.kind === "shape" || item.kind === "mask") && item.id !== null) this.skip.add(item.id);
    this.run.length = 0;
    this.selected.length = 0;
    this.drawn = 0;

    const view = viewport.visibleRect();
    const objects = doc.ordered();
    for (let i = 0; i < objects.length; i++) {
      const object = objects[i] as AnnotationObject;
      const g = object.geometry;
      if (object.hidden || this.skip.has(object.id)) continue;
      if (state.frame !== undefined && (g.frame ?? null) !== state.frame) continue;
      if (state.slice !== undefined && g.type !== "mask3d" && (g.slice ?? null) !== state.slice) continue;
      const b = cachedBbox(g);
      if (b.x > view.x1 || b.y > view.y1 || b.x + b.w < view.x0 || b.y + b.h < view.y0) continue;
      this.drawn++;
      if (g.type === "mask" || g.type === "mask3d") this.flushRun(ctx, scale);
      if (g.type === "mask") {
        this.drawMask(ctx, g.rle, this.style.colorOf(object.class));
        if (state.selection.has(object.id)) this.selected.push(object);
        continue;
      }
      if (g.type === "mask3d") {
        for (const s of g.slices) if (state.slice === undefined || s.slice === state.slice) this.drawMask(ctx, s.rle, this.style.colorOf(object.class));
        continue;
      }
      if (state.selection.has(object.id)) {
        this.selected.push(object);
        continue;
      }
      if (this.run.length > 0 && (this.run[0] as AnnotationObject).class !== object.class) this.flushRun(ctx, scale);
      this.run.push(object);
    }
    this.flushRun(ctx, scale);
    for (let s = 0; s < this.selected.length; s++) {
      const object = this.selected[s] as AnnotationObject;
      this.drawSelected(ctx, object.geometry, object.class, scale);
    }
    this.drawOverlay(ctx, state.overlay, scale);
    ctx.globalAlpha = 1;
  }

  /** Draws the run of same-class shapes collected so far, and empties it. */
  private flushRun(ctx: Surface, scale: number): void {
    const first = this.run[0];
    if (first === undefined) return;
    this.drawBatch(ctx, this.run, first.class, scale, this.style.lineWidth);
    this.run.length = 0;
  }

  private drawBatch(ctx: Surface, bucket: readonly AnnotationObject[], classKey: string, scale: number, width: number): void {
    const color = this.style.colorOf(classKey);
    ctx.fillStyle = color;
    ctx.strokeStyle = color;
    ctx.lineWidth = width / scale;
    let areas = false;
    let lines = false;
    let points = false;
    ctx.beginPath();
    for (let i = 0; i < bucket.length; i++) {
      const g = (bucket[i] as AnnotationObject).geometry;
      if (isArea(g)) {
        traceArea(ctx, g);
        areas = true;
      } else if (g.type === "polyline") lines = true;
      else if (g.type === "points") points = true;
    }
    if (areas) {
      ctx.globalAlpha = this.style.fillAlpha;
      ctx.fill("nonzero");
      ctx.globalAlpha = 1;
      ctx.stroke();
    }
    if (lines) {
      ctx.beginPath();
      for (let i = 0; i < bucket.length; i++) traceLine(ctx, (bucket[i] as AnnotationObject).geometry);
      ctx.stroke();
    }
    if (points) {
      ctx.beginPath();
      const radius = this.style.pointRadius / scale;
      for (let i = 0; i < bucket.length; i++) tracePoints(ctx, (bucket[i] as AnnotationObject).geometry, radius);
      ctx.fill();
      const edges = this.style.edgesOf?.(classKey) ?? NO_EDGES;
      if (edges.length > 0) {
        ctx.beginPath();
        for (let i = 0; i < bucket.length; i++) traceEdges(ctx, (bucket[i] as AnnotationObject).geometry, edges);
        ctx.stroke();
      }
    }
  }

  private drawSelected(ctx: Surface, g: Geometry, classKey: string, scale: number): void {
    const color = this.style.colorOf(classKey);
    if (g.type !== "mask") this.drawBatch(ctx, [{ geometry: g } as AnnotationObject], classKey, scale, this.style.selectedLineWidth);
    const handles: Point[] = [];
    if (g.type === "polygon") for (const part of g.parts) handles.push(...part.outer, ...part.holes.flat());
    else if (g.type === "polyline") handles.push(...g.points);
    else if (g.type === "points") for (const k of g.points) handles.push([k.x, k.y]);
    else if (g.type === "mask") {
      const b = cachedBbox(g);
      ctx.strokeStyle = color;
      ctx.lineWidth = this.style.selectedLineWidth / scale;
      ctx.setLineDash([6 / scale, 4 / scale]);
      ctx.beginPath();
      ctx.rect(b.x, b.y, b.w, b.h);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    this.drawHandles(ctx, handles, scale, -1);
  }

  private drawHandles(ctx: Surface, points: readonly Point[], scale: number, active: number): void {
    if (points.length === 0) return;
    const size = this.style.handleSize / scale;
    ctx.fillStyle = "#ffffff";
    ctx.strokeStyle = "#1f2937";
    ctx.lineWidth = 1 / scale;
    ctx.beginPath();
    for (let i = 0; i < points.length; i++) {
      const p = points[i] as Point;
      const s = i === active ? size * 1.5 : size;
      ctx.rect(p[0] - s / 2, p[1] - s / 2, s, s);
    }
    ctx.fill();
    ctx.stroke();
  }

  private drawMask(ctx: Surface, rle: Rle, color: string): void {
    let cached = this.bitmaps.get(rle);
    if (cached === undefined || cached.color !== color) {
      cached = { color, bitmap: this.makeBitmap(maskPixels(decodeRleCached(rle), color, this.style.maskAlpha)) };
      this.bitmaps.set(rle, cached);
    }
    ctx.drawImage(cached.bitmap, 0, 0, rle.size[1], rle.size[0]);
  }

  private drawOverlay(ctx: Surface, overlay: readonly OverlayItem[], scale: number): void {
    for (const item of overlay) {
      switch (item.kind) {
        case "shape":
          this.drawSelected(ctx, item.geometry, item.classKey, scale);
          break;
        case "mask":
          ctx.drawImage(this.makeBitmap(maskPixels(item.mask, this.style.colorOf(item.classKey), this.style.maskAlpha)), 0, 0, item.mask.width, item.mask.height);
          break;
        case "handles":
          this.drawHandles(ctx, item.points, scale, item.active ?? -1);
          break;
        case "path":
        case "rect":
        case "circle":
          ctx.strokeStyle = "#ffffff";
          ctx.lineWidth = 1.5 / scale;
          ctx.setLineDash([5 / scale, 4 / scale]);
          ctx.beginPath();
          if (item.kind === "rect") ctx.rect(item.x, item.y, item.w, item.h);
          else if (item.kind === "circle") {
            ctx.moveTo(item.center[0] + item.radius, item.center[1]);
            ctx.arc(item.center[0], item.center[1], item.radius, 0, Math.PI * 2);
          } else {
            const first = item.points[0];
            if (first !== undefined) ctx.moveTo(first[0], first[1]);
            for (let k = 1; k < item.points.length; k++) ctx.lineTo((item.points[k] as Point)[0], (item.points[k] as Point)[1]);
            if (item.closed) ctx.closePath();
          }
          ctx.stroke();
          ctx.setLineDash([]);
          break;
      }
    }
  }
}

/** Draws a whole frame: convenience for the workspace's requestAnimationFrame loop. */
export function drawFrame(
  renderer: Renderer,
  ctx: Surface,
  doc: AnnotationDocument,
  viewport: Viewport,
  state: FrameState,
): number {
  renderer.draw(ctx, doc, viewport, state);
  return renderer.drawn;
}
