// How the open item is viewed, without React: a plain image (its display rendition, with
// brightness/contrast as a CSS filter on the image canvas) or a DICOM series as a stack
// (slices windowed in the page from their 16-bit values, scrolled with the wheel, keys
// and slider, the window picked from the presets or dragged with the right button), plus
// the magnifying glass and the pixel readout for both. The stage draws; this decides what.
// `ViewControls.tsx` shows the state and calls the actions.

import type { AnnotationDocument } from "../../engine/document";
import type { Selection } from "../../engine/selection";
import type { Point } from "../../engine/shapes";
import { firstSlice, loadSeries, prefetchSeries, SeriesSlices, wheelSteps, type HuSlice, type SeriesInfo } from "./dicom";
import { displayUrl, loadImage, type DisplayImage } from "./images";
import { clampFactor, Magnifier, MAGNIFIER_FACTORS } from "./Magnifier";
import type { Shortcut } from "./palette";
import { formatReadout, pixelAt, PixelProbe, sliceValue, type Readout } from "./readout";
import type { Stage } from "./stage";
import { loadViewSettings, saveViewSettings, type ViewSettings } from "./viewSettings";
import { dragTone, dragWindow, NEUTRAL_TONE, paintValues, toneFilter, windowTable, type NamedWindow, type Tone } from "./windowing";

/** What the viewer needs of a work item (the API's item, or an entry of the item list). */
export interface ViewedItem {
  readonly asset_id: number;
  readonly kind?: string;
  readonly width: number | null;
  readonly height: number | null;
}

export function isStack(item: ViewedItem): boolean {
  return item.kind === "dicom";
}

/** Windows a slice into `canvas` (sized to it) through `table`, reusing `pixels` when
 * given; the pixels used are returned for the next time. */
function paintSlice(canvas: HTMLCanvasElement, slice: HuSlice, table: Uint8Array, pixels: ImageData | null): ImageData | null {
  if (canvas.width !== slice.width) canvas.width = slice.width;
  if (canvas.height !== slice.height) canvas.height = slice.height;
  const context = canvas.getContext("2d");
  if (context === null) return pixels;
  const out = pixels !== null && pixels.width === slice.width && pixels.height === slice.height ? pixels : context.createImageData(slice.width, slice.height);
  paintValues(slice.values, table, out.data);
  context.putImageData(out, 0, 0);
  return out;
}

/** What to show while an item opens (its annotation still on the way): the display
 * image, or the series' first slice through the window it will open with. Both are
 * usually prefetched, so this is at once. */
export async function openingPicture(projectId: number, item: ViewedItem): Promise<DisplayImage> {
  if (!isStack(item)) return loadImage(displayUrl(projectId, item.asset_id));
  const series = await loadSeries(projectId, item.asset_id);
  const slice = await new SeriesSlices(projectId, item.asset_id, series).get(firstSlice(series));
  const canvas = document.createElement("canvas");
  paintSlice(canvas, slice, windowTable(openingWindow(series, loadViewSettings(projectId).window), series.invert), null);
  return { width: slice.width, height: slice.height, full: canvas, reduced: null };
}

/** Reads what opening an item will need first: its display image, or a series'
 * description and first slice. */
export function prefetchItem(projectId: number, item: ViewedItem): void {
  if (isStack(item)) prefetchSeries(projectId, item.asset_id);
  else void loadImage(displayUrl(projectId, item.asset_id)).catch(() => undefined);
}

export interface StackState {
  readonly series: SeriesInfo;
  /** The slice shown (its image and its objects). */
  readonly index: number;
  /** The slice asked for; differs from `index` while it is being read. */
  readonly wanted: number;
  readonly window: NamedWindow;
}

export interface KeyPress {
  readonly key: string;
  readonly code: string;
  readonly shift: boolean;
  readonly ctrl: boolean;
  readonly alt: boolean;
}

export interface ViewerOptions {
  readonly projectId: number;
  readonly item: ViewedItem;
  readonly stage: Stage;
  readonly doc: AnnotationDocument;
  readonly selection: Selection;
  readonly onError: (error: unknown) => void;
}

const CUSTOM = { key: "custom", name: "Custom" } as const;

/** The window a series opens with: the one last chosen in the project when it still
 * applies (a preset, or one dragged by hand), else the series' own. */
export function openingWindow(series: SeriesInfo, remembered: NamedWindow | null): NamedWindow {
  const own = series.windows[0] as NamedWindow;
  if (remembered === null || remembered.key === own.key) return own;
  if (remembered.key === CUSTOM.key) return remembered;
  return series.windows.find((w) => w.key === remembered.key) ?? own;
}

function onSlice(doc: AnnotationDocument, id: string, slice: number): boolean {
  const g = doc.get(id)?.geometry;
  return g === undefined || g.type === "mask3d" || (g.slice ?? null) === slice;
}

export type ViewAction =
  | { readonly kind: "magnifier" }
  | { readonly kind: "factor"; readonly by: number }
  | { readonly kind: "slice"; readonly by: number }
  | { readonly kind: "first" }
  | { readonly kind: "last" }
  /** 0: the series' own window, 1..7 the presets in menu order. */
  | { readonly kind: "window"; readonly index: number };

/** What a key does to the view: Shift+M the magnifier, + and - its factor while it is
 * on; in a stack PageDown/ArrowDown the next slice and PageUp/ArrowUp the previous (Shift:
 * 10), Home/End the first/last, Alt+0..7 a window. Ctrl/⌘ keys are never the viewer's. */
export function viewKeyAction(key: KeyPress, stack: boolean, magnifier: boolean): ViewAction | null {
  if (key.ctrl) return null;
  if (key.shift && !key.alt && key.code === "KeyM") return { kind: "magnifier" };
  if (magnifier && !key.alt && (key.key === "+" || key.key === "=" || key.key === "-")) return { kind: "factor", by: key.key === "-" ? -1 : 1 };
  if (!stack) return null;
  if (key.alt) {
    const digit = /^Digit([0-9])$/.exec(key.code)?.[1];
    return digit === undefined ? null : { kind: "window", index: Number(digit) };
  }
  const jump = key.shift ? 10 : 1;
  switch (key.key) {
    case "PageDown":
    case "ArrowDown":
      return { kind: "slice", by: jump };
    case "PageUp":
    case "ArrowUp":
      return { kind: "slice", by: -jump };
    case "Home":
      return { kind: "first" };
    case "End":
      return { kind: "last" };
    default:
      return null;
  }
}

export class Viewer {
  readonly stack: boolean;
  state: StackState | null = null;
  settings: ViewSettings;
  readout: Readout | null = null;
  /** Bumped on every change of what the controls show (not the readout). */
  version = 0;
  private image: DisplayImage | null = null;
  private slices: SeriesSlices | null = null;
  private shown: HuSlice | null = null;
  private canvas: HTMLCanvasElement | null = null;
  private pixels: ImageData | null = null;
  private table: { window: NamedWindow; table: Uint8Array } | null = null;
  private readonly probe = new PixelProbe();
  private readonly listeners = new Set<() => void>();
  private readonly readoutListeners = new Set<() => void>();
  private point: Point | null = null;
  private readoutFrame = 0;
  private wheelCarry = 0;
  private drag: { window: NamedWindow | null; tone: Tone } | null = null;
  private destroyed = false;
  private readonly offSelection: () => void;

  constructor(private readonly o: ViewerOptions) {
    this.stack = isStack(o.item);
    this.settings = loadViewSettings(o.projectId);
    const stage = o.stage;
    stage.hooks = {
      hover: (point) => this.hover(point),
      secondaryDrag: (dx, dy, phase) => this.secondaryDrag(dx, dy, phase),
      wheel: (event) => this.wheel(event),
    };
    stage.setImageFilter(this.stack ? "" : toneFilter(this.settings.tone)); // the canvas may still have the last item's
    this.applyMagnifier();
    this.offSelection = o.selection.on(() => this.followSelection());
  }

  /** Reads and shows the image, or the series' first slice. */
  async load(): Promise<void> {
    const { projectId, item } = this.o;
    if (!this.stack) {
      const image = await loadImage(displayUrl(projectId, item.asset_id));
      if (this.destroyed) return;
      this.image = image;
      this.o.stage.setImage(image);
      return;
    }
    const series = await loadSeries(projectId, item.asset_id);
    if (this.destroyed) return;
    if (series.slices === 0) throw new Error("This DICOM series has no slices to show.");
    this.slices = new SeriesSlices(projectId, item.asset_id, series);
    this.canvas = document.createElement("canvas");
    const first = firstSlice(series);
    this.state = { series, index: first, wanted: first, window: openingWindow(series, this.settings.window) };
    this.o.stage.setSlice(first); // no object of another slice shows while the slice is read
    this.changed();
    await this.loadSlice(first, 1);
  }

  on(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onReadout(listener: () => void): () => void {
    this.readoutListeners.add(listener);
    return () => this.readoutListeners.delete(listener);
  }

  readoutText(): string {
    return this.readout === null ? "" : formatReadout(this.readout);
  }

  // --- stack -----------------------------------------------------------------------------

  /** Shows slice `index` (clamped): at once when it is here, else when it arrives. */
  goToSlice(index: number): void {
    const state = this.state;
    if (state === null) return;
    const target = Math.min(state.series.slices - 1, Math.max(0, Math.round(index)));
    if (target === state.wanted) return;
    const direction = target >= state.wanted ? 1 : -1;
    this.state = { ...state, wanted: target };
    this.changed();
    void this.loadSlice(target, direction);
  }

  stepSlice(steps: number): void {
    if (this.state !== null) this.goToSlice(this.state.wanted + steps);
  }

  setWindow(window: NamedWindow, remember = true): void {
    const state = this.state;
    if (state === null) return;
    this.state = { ...state, window };
    if (this.shown !== null) this.paint(this.shown);
    if (remember) this.save({ window });
    this.changed();
  }

  private async loadSlice(index: number, direction: number): Promise<void> {
    const slices = this.slices;
    if (slices === null) return;
    try {
      const slice = slices.peek(index) ?? (await slices.get(index));
      if (this.destroyed || this.state?.wanted !== index) return;
      this.show(slice);
      slices.prefetch(index, direction);
    } catch (error) {
      if (!this.destroyed && this.state?.wanted === index) this.o.onError(error);
    }
  }

  private show(slice: HuSlice): void {
    const state = this.state;
    if (state === null) return;
    this.shown = slice;
    this.paint(slice);
    this.o.stage.setSlice(slice.index);
    const selection = this.o.selection;
    const keep = [...selection.all].filter((id) => onSlice(this.o.doc, id, slice.index));
    if (keep.length !== selection.size) selection.set(keep);
    this.state = { ...(this.state ?? state), index: slice.index };
    this.updateReadout();
    this.changed();
  }

  /** Windows the slice's values into the stack canvas and has the stage draw it. */
  private paint(slice: HuSlice): void {
    const state = this.state;
    const canvas = this.canvas;
    if (state === null || canvas === null) return;
    if (this.table?.window !== state.window) this.table = { window: state.window, table: windowTable(state.window, state.series.invert) };
    this.pixels = paintSlice(canvas, slice, this.table.table, this.pixels);
    this.o.stage.setImage({ width: slice.width, height: slice.height, full: canvas, reduced: null });
  }

  /** Selecting an object of another slice (in the object list) shows that slice. */
  private followSelection(): void {
    const state = this.state;
    const id = this.o.selection.single();
    if (state === null || id === null) return;
    const g = this.o.doc.get(id)?.geometry;
    if (g !== undefined && g.type !== "mask3d" && g.slice != null && g.slice !== state.wanted) this.goToSlice(g.slice);
  }

  /** Alt + wheel changes the magnifier's factor while it is on (up: larger); in a stack
   * the plain wheel scrolls slices. Else the stage zooms. */
  private wheel(event: WheelEvent): boolean {
    const factor = event.altKey && this.settings.magnifier;
    if (!factor && this.state === null) return this.stack; // a stack still loading: no zoom either
    const { steps, carried } = wheelSteps(this.wheelCarry, event.deltaY, event.deltaMode);
    this.wheelCarry = carried;
    if (steps === 0) return true;
    if (factor) this.setFactor(this.settings.factor - steps);
    else this.stepSlice(steps);
    return true;
  }

  // --- tone, magnifier -------------------------------------------------------------------

  setTone(tone: Tone, remember = true): void {
    if (this.stack) return;
    this.o.stage.setImageFilter(toneFilter(tone));
    if (remember) this.save({ tone });
    else this.settings = { ...this.settings, tone };
    this.changed();
  }

  resetTone(): void {
    this.setTone(NEUTRAL_TONE);
  }

  toggleMagnifier(): void {
    this.save({ magnifier: !this.settings.magnifier });
    this.applyMagnifier();
    this.changed();
  }

  setFactor(factor: number): void {
    const next = clampFactor(factor);
    if (next === this.settings.factor) return;
    this.save({ factor: next });
    this.applyMagnifier();
    this.changed();
  }

  private applyMagnifier(): void {
    const stage = this.o.stage;
    if (this.settings.magnifier) {
      stage.magnifier ??= new Magnifier(stage.host, stage.renderer.style, this.settings.factor);
      stage.magnifier.factor = this.settings.factor;
      stage.magnifier.setFilter(this.stack ? "" : toneFilter(this.settings.tone));
    } else if (stage.magnifier !== null) {
      stage.magnifier.destroy();
      stage.magnifier = null;
    }
    stage.invalidate();
  }

  // --- input -----------------------------------------------------------------------------

  private secondaryDrag(dx: number, dy: number, phase: "start" | "move" | "end"): void {
    if (phase === "start") {
      this.drag = { window: this.state?.window ?? null, tone: this.settings.tone };
      return;
    }
    const start = this.drag;
    if (start === null) return;
    if (start.window !== null) {
      const moved = dragWindow(start.window, dx, dy);
      if (moved.level !== this.state?.window.level || moved.width !== this.state.window.width) this.setWindow({ ...CUSTOM, ...moved }, phase === "end");
      else if (phase === "end" && this.state.window.key === CUSTOM.key) this.save({ window: this.state.window });
    } else if (!this.stack) {
      this.setTone(dragTone(start.tone, dx, dy), phase === "end");
    }
    if (phase === "end") this.drag = null;
  }

  /** Keys of the viewer (`viewKeyAction`); true when used. Checked after the active
   * tool's own keys. */
  keyDown(key: KeyPress): boolean {
    const action = viewKeyAction(key, this.state !== null, this.settings.magnifier);
    if (action === null) return false;
    const state = this.state;
    switch (action.kind) {
      case "magnifier":
        this.toggleMagnifier();
        break;
      case "factor":
        this.setFactor(this.settings.factor + action.by);
        break;
      case "slice":
        this.stepSlice(action.by);
        break;
      case "first":
        this.goToSlice(0);
        break;
      case "last":
        if (state !== null) this.goToSlice(state.series.slices - 1);
        break;
      case "window": {
        const window = state?.series.windows[action.index];
        if (window === undefined) return false;
        this.setWindow(window);
        break;
      }
    }
    return true;
  }

  // --- readout ---------------------------------------------------------------------------

  private hover(point: Point | null): void {
    this.point = point;
    if (this.readoutFrame !== 0) return;
    this.readoutFrame = requestAnimationFrame(() => {
      this.readoutFrame = 0;
      this.updateReadout();
    });
  }

  private updateReadout(): void {
    const point = this.point;
    const { width, height } = this.o.item;
    const at = point === null ? null : pixelAt(point, width ?? 0, height ?? 0);
    let next: Readout | null = null;
    if (at !== null) {
      const [x, y] = at;
      if (this.stack) next = { x, y, value: this.shown === null || this.state === null ? null : sliceValue(this.shown, x, y, this.state.series.units) };
      else next = { x, y, value: this.image === null ? null : this.probe.rgbAt(this.image.full, width ?? 1, height ?? 1, x, y) };
    }
    const before = this.readout;
    if (before === next || (before !== null && next !== null && formatReadout(before) === formatReadout(next))) return;
    this.readout = next;
    for (const listener of this.readoutListeners) listener();
  }

  // --- plumbing --------------------------------------------------------------------------

  private save(change: Partial<ViewSettings>): void {
    this.settings = { ...this.settings, ...change };
    saveViewSettings(this.o.projectId, this.settings);
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }

  destroy(): void {
    this.destroyed = true;
    this.offSelection();
    if (this.readoutFrame !== 0) cancelAnimationFrame(this.readoutFrame);
    this.o.stage.hooks = {};
  }
}

/** The viewer's shortcuts for the `?` overlay. */
export function viewShortcuts(stack: boolean, taken: ReadonlySet<string>): Shortcut[] {
  const list: Shortcut[] = [
    { keys: taken.has("m") ? "Shift M" : "M, Shift M", what: "Magnifying glass on / off" },
    { keys: "+ −, Alt wheel", what: `Magnifier factor (${MAGNIFIER_FACTORS.min}x to ${MAGNIFIER_FACTORS.max}x, while it is on)` },
  ];
  if (stack) {
    list.push(
      { keys: "Wheel, ↑ ↓, Page Up / Down", what: "Previous / next slice (Shift: 10 slices)" },
      { keys: "Home, End", what: "First / last slice" },
      { keys: "Ctrl/⌘ wheel", what: "Zoom (in a DICOM series)" },
      { keys: "Alt 0", what: "The series' own window" },
      { keys: "Alt 1 … Alt 7", what: "Window presets, in the menu's order" },
      { keys: "Right drag", what: "Window: left/right width, up/down level" },
    );
  } else {
    list.push({ keys: "Right drag", what: "Brightness (up/down) and contrast (left/right)" });
  }
  return list;
}
