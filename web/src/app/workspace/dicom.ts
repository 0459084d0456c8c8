// DICOM series in the workspace: the stack description and windows from the media API,
// and the slices as 16-bit values (`/slices/{i}/hu?format=raw`), kept in a byte-bounded
// cache and prefetched around the slice shown, so scrolling, re-windowing and the HU
// readout need no request once a slice is here. Windowing itself is `windowing.ts`.

import { ok } from "../../api/client";
import { api } from "../api";
import type { NamedWindow } from "./windowing";

export interface SeriesInfo {
  readonly slices: number;
  readonly width: number;
  readonly height: number;
  readonly modality: string;
  /** Units of the values ("HU" for CT); empty when unknown. */
  readonly units: string;
  /** MONOCHROME1: the lowest value is shown white. */
  readonly invert: boolean;
  /** The series' own window first, then the seven named presets. */
  readonly windows: readonly NamedWindow[];
}

/** One slice's values, row-major (`width` x `height`). */
export interface HuSlice {
  readonly index: number;
  readonly width: number;
  readonly height: number;
  readonly values: Int16Array;
}

/** Slices read ahead of the one shown (in the scrolling direction) and behind it. */
export const PREFETCH_AHEAD = 6;
export const PREFETCH_BEHIND = 2;
/** Slice bytes kept in memory for all series together. */
const CACHE_BYTES = 96 * 1024 * 1024;
/** Slice requests in flight at once for prefetching (the slice asked for goes first). */
const PARALLEL = 3;

const seriesCache = new Map<string, Promise<SeriesInfo>>();

function key(projectId: number, assetId: number): string {
  return `${projectId}/${assetId}`;
}

async function fetchSeries(projectId: number, assetId: number): Promise<SeriesInfo> {
  const path = { project_id: projectId, asset_id: assetId };
  const [series, windows] = await Promise.all([
    ok(api.GET("/api/projects/{project_id}/assets/{asset_id}/series", { params: { path } })),
    ok(api.GET("/api/projects/{project_id}/assets/{asset_id}/windows", { params: { path } })),
  ]);
  return {
    slices: series.slices,
    width: series.width,
    height: series.height,
    modality: series.modality,
    units: series.units,
    invert: series.invert,
    windows: [windows.default, ...windows.presets],
  };
}

/** The series' description (read once per series and page). */
export function loadSeries(projectId: number, assetId: number): Promise<SeriesInfo> {
  const k = key(projectId, assetId);
  let known = seriesCache.get(k);
  if (known === undefined) {
    known = fetchSeries(projectId, assetId);
    known.catch(() => seriesCache.delete(k));
    seriesCache.set(k, known);
  }
  return known;
}

/** The slice shown first when a series opens: the middle one, as its thumbnail. */
export function firstSlice(series: SeriesInfo): number {
  return Math.floor(series.slices / 2);
}

async function fetchSlice(projectId: number, assetId: number, index: number, series: SeriesInfo): Promise<HuSlice> {
  const buffer = await ok(
    api.GET("/api/projects/{project_id}/assets/{asset_id}/slices/{index}/hu", {
      params: { path: { project_id: projectId, asset_id: assetId, index }, query: { format: "raw" } },
      parseAs: "arrayBuffer",
    }),
  );
  const expected = series.width * series.height * 2;
  if (buffer.byteLength !== expected) {
    throw new Error(`Slice ${index + 1} arrived with ${buffer.byteLength} bytes, not the ${expected} of a ${series.width}x${series.height} slice.`);
  }
  return { index, width: series.width, height: series.height, values: new Int16Array(buffer) };
}

interface Entry {
  readonly promise: Promise<HuSlice>;
  slice: HuSlice | null;
  bytes: number;
}

/** Slices of every series of the page, least recently used dropped first past CACHE_BYTES. */
class SliceCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  /** The slice if it is already here (no request). */
  peek(projectId: number, assetId: number, index: number): HuSlice | null {
    return this.entries.get(`${key(projectId, assetId)}/${index}`)?.slice ?? null;
  }

  get(projectId: number, assetId: number, index: number, series: SeriesInfo, urgent = true): Promise<HuSlice> {
    const k = `${key(projectId, assetId)}/${index}`;
    const known = this.entries.get(k);
    if (known !== undefined) {
      this.entries.delete(k); // most recently used last
      this.entries.set(k, known);
      return known.promise;
    }
    const load = urgent ? fetchSlice(projectId, assetId, index, series) : this.queued(() => fetchSlice(projectId, assetId, index, series));
    const promise = load.then(
      (slice) => {
        entry.slice = slice;
        entry.bytes = slice.values.byteLength;
        if (this.entries.get(k) === entry) {
          this.bytes += entry.bytes;
          this.trim();
        }
        return slice;
      },
      (error: unknown) => {
        if (this.entries.get(k) === entry) this.entries.delete(k);
        throw error;
      },
    );
    const entry: Entry = { promise, slice: null, bytes: 0 };
    this.entries.set(k, entry);
    return promise;
  }

  /** Runs a prefetch when fewer than PARALLEL are running. */
  private async queued<T>(run: () => Promise<T>): Promise<T> {
    while (this.inFlight >= PARALLEL) await new Promise<void>((go) => this.waiting.push(go));
    this.inFlight++;
    try {
      return await run();
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  private trim(): void {
    for (const [k, entry] of this.entries) {
      if (this.bytes <= CACHE_BYTES) break;
      if (entry.slice === null) continue;
      this.entries.delete(k);
      this.bytes -= entry.bytes;
    }
  }
}

const slices = new SliceCache();

/** The slices to read ahead around `index`, nearest first, the scrolling direction
 * (`direction` +1 or -1) favoured. */
export function prefetchOrder(index: number, count: number, direction: number): number[] {
  const step = direction < 0 ? -1 : 1;
  const order: number[] = [];
  for (let d = 1; d <= Math.max(PREFETCH_AHEAD, PREFETCH_BEHIND); d++) {
    if (d <= PREFETCH_AHEAD) order.push(index + step * d);
    if (d <= PREFETCH_BEHIND) order.push(index - step * d);
  }
  return order.filter((i) => i >= 0 && i < count);
}

/** One open series: its slices by index, and reading ahead of the one shown. */
export class SeriesSlices {
  constructor(
    readonly projectId: number,
    readonly assetId: number,
    readonly series: SeriesInfo,
  ) {}

  peek(index: number): HuSlice | null {
    return slices.peek(this.projectId, this.assetId, index);
  }

  get(index: number): Promise<HuSlice> {
    return slices.get(this.projectId, this.assetId, index, this.series, true);
  }

  /** Starts reading the neighbours of `index` that are not here yet. */
  prefetch(index: number, direction: number): void {
    for (const i of prefetchOrder(index, this.series.slices, direction)) {
      if (this.peek(i) === null) void slices.get(this.projectId, this.assetId, i, this.series, false).catch(() => undefined);
    }
  }
}

/** Reads a series' description and first slice ahead of opening it (next item). */
export function prefetchSeries(projectId: number, assetId: number): void {
  loadSeries(projectId, assetId)
    .then((series) => slices.get(projectId, assetId, firstSlice(series), series, false))
    .catch(() => undefined);
}

/** Wheel pixels of one slice; a bigger single event (a mouse notch) is one slice too. */
const WHEEL_STEP = 50;

/** The slices one wheel event scrolls: one per mouse notch (a line or page counts as a
 * notch), and small trackpad deltas added up, the rest carried to the next event. */
export function wheelSteps(carried: number, deltaY: number, deltaMode = 0): { steps: number; carried: number } {
  const pixels = deltaMode === 0 ? deltaY : deltaY * WHEEL_STEP;
  if (Math.abs(pixels) >= WHEEL_STEP) return { steps: Math.sign(pixels), carried: 0 };
  const total = carried + pixels;
  const steps = Math.trunc(total / WHEEL_STEP) || 0; // never -0
  return { steps, carried: total - steps * WHEEL_STEP };
}
