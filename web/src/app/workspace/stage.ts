// The canvas of the workspace, without React: two stacked canvases (the image, and the
// annotation drawn by the engine's renderer on top), the viewport, pointer input turned
// into image coordinates for the active tool, wheel zoom about the cursor, panning with
// space-drag or the middle button. Frames are drawn on requestAnimationFrame, and only
// after something changed. Canvases are sized in device pixels (devicePixelRatio), the
// engine works in CSS pixels through a scaling surface.
// For the viewing features the stage also shows a stack's current slice (objects of other
// slices are neither drawn nor hit, new ones go on it), draws the magnifying glass, applies
// a CSS filter to the image canvas (brightness/contrast), and hands the wheel, the
// secondary-button drag and the pointer position to hooks the workspace sets.

import type { AnnotationDocument } from "../../engine/document";
import type { History } from "../../engine/history";
import { Renderer, DEFAULT_STYLE, type FrameState } from "../../engine/render";
import type { Selection } from "../../engine/selection";
import { createToolContext, type PointerInput, type Tool, type ToolContext } from "../../engine/tools";
import type { Point } from "../../engine/shapes";
import { Viewport, wheelZoomFactor } from "../../engine/viewport";
import { pickLevel, type DisplayImage } from "./images";
import type { Magnifier } from "./Magnifier";
import { ScaledSurface } from "./surface";

export { ScaledSurface } from "./surface";

export interface StageStats {
  /** Milliseconds each of the recent frames took to draw (newest last, at most 600). */
  readonly drawMs: number[];
  frames: number;
  /** performance.now() when the image was first drawn. */
  imageDrawnAt: number | null;
}

export interface StageOptions {
  readonly host: HTMLElement;
  readonly imageCanvas: HTMLCanvasElement;
  readonly canvas: HTMLCanvasElement;
  readonly doc: AnnotationDocument;
  readonly history: History;
  readonly selection: Selection;
  readonly width: number;
  readonly height: number;
  readonly colorOf: (classKey: string) => string;
  /** The skeleton template's edges of a class (keypoint key pairs). */
  readonly edgesOf?: (classKey: string) => readonly (readonly [string, string])[];
  readonly defaultAttributes: (classKey: string) => Record<string, unknown>;
  readonly onProblem: (message: string) => void;
  /** Any user input (active time). */
  readonly onInput: () => void;
  readonly onImageDrawn?: () => void;
}

/** What the workspace's viewing features take from the stage's input. */
export interface StageHooks {
  /** A wheel event without ctrl/⌘ (which always zooms, as pinch gestures do); true when
   * it was used (a stack scrolls slices), else the wheel zooms. */
  wheel?: (event: WheelEvent) => boolean;
  /** A drag with the secondary (right) button: the distance from where it started, in
   * screen pixels. */
  secondaryDrag?: (dx: number, dy: number, phase: "start" | "move" | "end") => void;
  /** The pointer over the canvas in image coordinates; null when it left. */
  hover?: (point: Point | null) => void;
}

/** Sets a canvas's size (device pixels) only when it changes: setting it clears it. */
function sizeCanvas(canvas: HTMLCanvasElement, width: number, height: number, ratio: number): void {
  const w = Math.round(width * ratio);
  const h = Math.round(height * ratio);
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
}

/** Draws an item's image fitted into the canvas, as the stage will first show it, while
 * the item's annotation is still being read (the stage takes over the same pixels). */
export function paintPreview(host: HTMLElement, canvas: HTMLCanvasElement, image: DisplayImage): void {
  const rect = host.getBoundingClientRect();
  const width = Math.max(1, Math.round(rect.width));
  const height = Math.max(1, Math.round(rect.height));
  const ratio = window.devicePixelRatio || 1;
  sizeCanvas(canvas, width, height, ratio);
  const context = canvas.getContext("2d");
  if (context === null) return;
  const v = new Viewport(width, height, image.width, image.height, VIEWPORT_LIMITS);
  v.fit(FIT_PADDING);
  context.setTransform(1, 0, 0, 1, 0, 0);
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.setTransform(v.scale * ratio, 0, 0, v.scale * ratio, v.offsetX * ratio, v.offsetY * ratio);
  context.imageSmoothingEnabled = v.scale < 2;
  context.drawImage(pickLevel(image, v.scale * ratio), 0, 0, image.width, image.height);
}

const DOUBLE_CLICK_MS = 400;
const FIT_PADDING = 16;
const VIEWPORT_LIMITS = { minScale: 0.005, maxScale: 64 };

export class Stage {
  readonly viewport: Viewport;
  readonly renderer: Renderer;
  readonly ctx: ToolContext;
  readonly stats: StageStats = { drawMs: [], frames: 0, imageDrawnAt: null };
  tool: Tool;
  spaceHeld = false;
  hooks: StageHooks = {};
  /** The magnifying glass, drawn with every frame while set. */
  magnifier: Magnifier | null = null;
  private image: DisplayImage | null = null;
  /** The slice of a stack shown; undefined for a plain image (no slice filtering). */
  private slice: number | undefined = undefined;
  /** The pointer in canvas (CSS) pixels while it is over the canvas. */
  private cursor: Point | null = null;
  private secondary: { x: number; y: number; pointer: number } | null = null;
  private readonly imageSurface: CanvasRenderingContext2D;
  private readonly surface: ScaledSurface;
  private ratio = 1;
  private frameRequested = 0;
  private imageVersion = -1;
  private pan: { x: number; y: number; pointer: number } | null = null;
  private lastDown = { t: 0, x: 0, y: 0, clicks: 0 };
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly options: StageOptions,
    tool: Tool,
  ) {
    const imageContext = options.imageCanvas.getContext("2d");
    const context = options.canvas.getContext("2d");
    if (imageContext === null || context === null) throw new Error("this browser gives no 2D canvas");
    this.imageSurface = imageContext;
    this.surface = new ScaledSurface(context, 1);
    this.tool = tool;
    const rect = options.host.getBoundingClientRect();
    this.viewport = new Viewport(Math.max(1, rect.width), Math.max(1, rect.height), options.width, options.height, VIEWPORT_LIMITS);
    this.renderer = new Renderer({ ...DEFAULT_STYLE, colorOf: options.colorOf, edgesOf: options.edgesOf });
    this.ctx = createToolContext({
      doc: options.doc,
      history: options.history,
      viewport: this.viewport,
      selection: options.selection,
      image: { width: options.width, height: options.height },
      defaultAttributes: options.defaultAttributes,
      onProblem: options.onProblem,
    });
    this.resize();
    this.fit();
    this.listen();
  }

  setImage(image: DisplayImage): void {
    this.image = image;
    this.imageVersion = -1;
    this.invalidate();
  }

  /** The element the canvases fill (overlays such as the magnifier go in it). */
  get host(): HTMLElement {
    return this.options.host;
  }

  get shownImage(): DisplayImage | null {
    return this.image;
  }

  get shownSlice(): number | undefined {
    return this.slice;
  }

  /** Shows slice `slice` of a stack: only its objects are drawn and hit, new ones go on
   * it. A shape half drawn on the previous slice is dropped. */
  setSlice(slice: number): void {
    if (slice === this.slice) return;
    this.tool.cancel(this.ctx);
    this.slice = slice;
    this.ctx.slice = slice;
    this.invalidate();
  }

  /** A CSS filter for the image canvas (and the magnifier); "" for none. */
  setImageFilter(filter: string): void {
    if (this.options.imageCanvas.style.filter !== filter) this.options.imageCanvas.style.filter = filter;
    this.magnifier?.setFilter(filter);
  }

  setTool(tool: Tool): void {
    if (tool === this.tool) return;
    this.tool.cancel(this.ctx);
    this.tool = tool;
    this.invalidate();
  }

  fit(): void {
    this.viewport.fit(FIT_PADDING);
    this.invalidate();
  }

  oneToOne(): void {
    this.viewport.oneToOne();
    this.invalidate();
  }

  zoomBy(factor: number): void {
    this.viewport.zoomAt(this.viewport.screenWidth / 2, this.viewport.screenHeight / 2, factor);
    this.invalidate();
  }

  /** Asks for a frame; several calls before it is drawn give one frame. */
  invalidate(): void {
    if (this.frameRequested !== 0) return;
    this.frameRequested = requestAnimationFrame(() => {
      this.frameRequested = 0;
      this.draw();
    });
  }

  destroy(): void {
    if (this.frameRequested !== 0) cancelAnimationFrame(this.frameRequested);
    this.magnifier?.destroy();
    this.magnifier = null;
    for (const cleanup of this.cleanups) cleanup();
  }

  /** Sizes both canvases to the host in device pixels. */
  resize(): void {
    const rect = this.options.host.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(rect.width));
    const height = Math.max(1, Math.round(rect.height));
    this.ratio = ratio;
    this.surface.ratio = ratio;
    for (const canvas of [this.options.imageCanvas, this.options.canvas]) sizeCanvas(canvas, width, height, ratio);
    const first = this.viewport.screenWidth <= 1;
    this.viewport.resize(width, height);
    if (first) this.viewport.fit(FIT_PADDING);
    this.imageVersion = -1;
    this.invalidate();
  }

  private draw(): void {
    const started = performance.now();
    const v = this.viewport;
    if (this.image !== null && this.imageVersion !== v.version) {
      const c = this.imageSurface;
      const r = this.ratio;
      c.setTransform(1, 0, 0, 1, 0, 0);
      c.clearRect(0, 0, this.options.imageCanvas.width, this.options.imageCanvas.height);
      c.setTransform(v.scale * r, 0, 0, v.scale * r, v.offsetX * r, v.offsetY * r);
      c.imageSmoothingEnabled = v.scale < 2;
      c.drawImage(pickLevel(this.image, v.scale * r), 0, 0, v.imageWidth, v.imageHeight);
      this.imageVersion = v.version;
      if (this.stats.imageDrawnAt === null) {
        this.stats.imageDrawnAt = performance.now();
        this.options.onImageDrawn?.();
      }
    }
    const overlay = this.tool.overlay(this.ctx);
    const selection = this.options.selection.all;
    const state: FrameState = this.slice === undefined ? { selection, overlay } : { selection, overlay, slice: this.slice };
    this.renderer.draw(this.surface, this.options.doc, v, state);
    this.magnifier?.draw(this.image, this.options.doc, v, state, this.cursor);
    const ms = performance.now() - started;
    this.stats.frames += 1;
    this.stats.drawMs.push(ms);
    if (this.stats.drawMs.length > 600) this.stats.drawMs.shift();
  }

  private input(event: PointerEvent, clicks = 1): PointerInput {
    const rect = this.options.canvas.getBoundingClientRect();
    const [x, y] = this.viewport.toImage(event.clientX - rect.left, event.clientY - rect.top);
    return { x, y, button: event.button < 0 ? 0 : event.button, shift: event.shiftKey, ctrl: event.ctrlKey || event.metaKey, alt: event.altKey, clicks };
  }

  private listen(): void {
    const canvas = this.options.canvas;
    const on = <K extends keyof HTMLElementEventMap>(type: K, handler: (event: HTMLElementEventMap[K]) => void, options?: AddEventListenerOptions) => {
      canvas.addEventListener(type, handler as EventListener, options);
      this.cleanups.push(() => canvas.removeEventListener(type, handler as EventListener, options));
    };
    on("pointerdown", (event) => {
      this.options.onInput();
      canvas.focus({ preventScroll: true });
      if (event.button === 1 || (event.button === 0 && this.spaceHeld)) {
        this.pan = { x: event.clientX, y: event.clientY, pointer: event.pointerId };
        canvas.setPointerCapture(event.pointerId);
        event.preventDefault();
        return;
      }
      if (event.button === 2 && this.hooks.secondaryDrag !== undefined) {
        this.secondary = { x: event.clientX, y: event.clientY, pointer: event.pointerId };
        canvas.setPointerCapture(event.pointerId);
        this.hooks.secondaryDrag(0, 0, "start");
        event.preventDefault();
        return;
      }
      if (event.button !== 0) return;
      const now = performance.now();
      const near = Math.hypot(event.clientX - this.lastDown.x, event.clientY - this.lastDown.y) < 6;
      const clicks = now - this.lastDown.t < DOUBLE_CLICK_MS && near ? this.lastDown.clicks + 1 : 1;
      this.lastDown = { t: now, x: event.clientX, y: event.clientY, clicks };
      canvas.setPointerCapture(event.pointerId);
      this.tool.pointerDown(this.input(event, clicks), this.ctx);
      this.invalidate();
    });
    on("pointermove", (event) => {
      const rect = canvas.getBoundingClientRect();
      this.cursor = [event.clientX - rect.left, event.clientY - rect.top];
      if (this.hooks.hover !== undefined) this.hooks.hover(this.viewport.toImage(this.cursor[0], this.cursor[1]));
      if (this.secondary !== null) {
        this.hooks.secondaryDrag?.(event.clientX - this.secondary.x, event.clientY - this.secondary.y, "move");
        return;
      }
      if (this.pan !== null) {
        this.viewport.panBy(event.clientX - this.pan.x, event.clientY - this.pan.y);
        this.pan = { ...this.pan, x: event.clientX, y: event.clientY };
        this.invalidate();
        return;
      }
      this.tool.pointerMove(this.input(event), this.ctx);
      this.invalidate();
    });
    const up = (event: PointerEvent) => {
      if (canvas.hasPointerCapture(event.pointerId)) canvas.releasePointerCapture(event.pointerId);
      if (this.pan !== null) {
        this.pan = null;
        return;
      }
      if (this.secondary !== null) {
        this.hooks.secondaryDrag?.(event.clientX - this.secondary.x, event.clientY - this.secondary.y, "end");
        this.secondary = null;
        return;
      }
      if (event.button !== 0) return;
      this.options.onInput();
      this.tool.pointerUp(this.input(event), this.ctx);
      this.invalidate();
    };
    on("pointerup", up);
    on("pointercancel", (event) => {
      this.pan = null;
      if (this.secondary !== null) this.hooks.secondaryDrag?.(0, 0, "end");
      this.secondary = null;
      if (canvas.hasPointerCapture(event.pointerId)) canvas.releasePointerCapture(event.pointerId);
      this.tool.cancel(this.ctx);
      this.invalidate();
    });
    on(
      "wheel",
      (event) => {
        event.preventDefault();
        this.options.onInput();
        if (!event.ctrlKey && !event.metaKey && this.hooks.wheel?.(event) === true) return;
        const rect = canvas.getBoundingClientRect();
        this.viewport.zoomAt(event.clientX - rect.left, event.clientY - rect.top, wheelZoomFactor(event.deltaY, event.deltaMode));
        this.invalidate();
      },
      { passive: false },
    );
    on("pointerleave", () => {
      if (this.secondary !== null) return; // captured: the drag goes on outside
      this.cursor = null;
      this.hooks.hover?.(null);
      if (this.magnifier !== null) this.invalidate();
    });
    on("contextmenu", (event) => event.preventDefault());
    on("auxclick", (event) => event.preventDefault());
    const observer = new ResizeObserver(() => this.resize());
    observer.observe(this.options.host);
    this.cleanups.push(() => observer.disconnect());
  }
}
