// How the user likes a project's items shown, kept while they move between its items and
// across reloads: brightness and contrast of images, the magnifying glass (on/off and
// factor) and the DICOM window. Stored per project in the browser's localStorage (a copy
// in memory when storage is unavailable); never sent to the server.

import { clampFactor } from "./Magnifier";
import { NEUTRAL_TONE, TONE_RANGE, type NamedWindow, type Tone } from "./windowing";

export interface ViewSettings {
  readonly tone: Tone;
  readonly magnifier: boolean;
  readonly factor: number;
  /** The last window chosen for a series (null: each series' own). */
  readonly window: NamedWindow | null;
}

export const DEFAULT_VIEW: ViewSettings = { tone: NEUTRAL_TONE, magnifier: false, factor: 3, window: null };

const memory = new Map<number, ViewSettings>();

function storageKey(projectId: number): string {
  return `pixelwise.view.${projectId}`;
}

function number(value: unknown, fallback: number, min: number, max: number): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

/** Settings read back from storage, anything missing or malformed replaced by defaults. */
export function parseSettings(text: string | null): ViewSettings {
  if (text === null) return DEFAULT_VIEW;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return DEFAULT_VIEW;
  }
  if (typeof raw !== "object" || raw === null) return DEFAULT_VIEW;
  const r = raw as Record<string, unknown>;
  const tone = (typeof r["tone"] === "object" && r["tone"] !== null ? r["tone"] : {}) as Record<string, unknown>;
  const w = (typeof r["window"] === "object" && r["window"] !== null ? r["window"] : null) as Record<string, unknown> | null;
  const window: NamedWindow | null =
    w !== null && typeof w["key"] === "string" && typeof w["name"] === "string" && typeof w["level"] === "number" && typeof w["width"] === "number" && w["width"] >= 1
      ? { key: w["key"], name: w["name"], level: w["level"], width: w["width"] }
      : null;
  return {
    tone: {
      brightness: number(tone["brightness"], 1, TONE_RANGE.min, TONE_RANGE.max),
      contrast: number(tone["contrast"], 1, TONE_RANGE.min, TONE_RANGE.max),
    },
    magnifier: r["magnifier"] === true,
    factor: clampFactor(number(r["factor"], DEFAULT_VIEW.factor, 1, 100)),
    window,
  };
}

export function loadViewSettings(projectId: number): ViewSettings {
  const known = memory.get(projectId);
  if (known !== undefined) return known;
  let text: string | null = null;
  try {
    text = window.localStorage.getItem(storageKey(projectId));
  } catch {
    // storage disabled: defaults, kept in memory from now on
  }
  const settings = parseSettings(text);
  memory.set(projectId, settings);
  return settings;
}

export function saveViewSettings(projectId: number, settings: ViewSettings): void {
  memory.set(projectId, settings);
  try {
    window.localStorage.setItem(storageKey(projectId), JSON.stringify(settings));
  } catch {
    // storage full or disabled: the copy in memory still lasts for this tab
  }
}
