// The viewing controls under the canvas: for a DICOM series the slice slider
// with "Slice 12 of 80" and the window menu; for an image brightness and contrast with a
// reset; for both the magnifying glass (toggle and factor) and the pixel readout under
// the cursor. The state lives in `Viewer`; this only shows it and calls its actions.

import { useSyncExternalStore } from "react";
import { MAGNIFIER_FACTORS } from "./Magnifier";
import type { Viewer } from "./viewer";
import { TONE_RANGE, type Tone } from "./windowing";
import "./viewer.css";

function useVersion(viewer: Viewer): number {
  return useSyncExternalStore(
    (listener) => viewer.on(listener),
    () => viewer.version,
  );
}

function PixelReadout({ viewer }: { viewer: Viewer }) {
  const text = useSyncExternalStore(
    (listener) => viewer.onReadout(listener),
    () => viewer.readoutText(),
  );
  return (
    <span className="ws-readout" data-testid="pixel-readout" aria-live="off">
      {text}
    </span>
  );
}

const percent = (factor: number) => Math.round(factor * 100);

/** One of the image's tone sliders, in percent of the neutral value. */
function ToneSlider({ label, part, viewer, tone }: { label: string; part: keyof Tone; viewer: Viewer; tone: Tone }) {
  return (
    <label>
      {label}
      <input
        type="range"
        aria-label={label}
        min={percent(TONE_RANGE.min)}
        max={percent(TONE_RANGE.max)}
        step={5}
        value={percent(tone[part])}
        onChange={(e) => viewer.setTone({ ...tone, [part]: Number(e.target.value) / 100 })}
      />
      <output>{percent(tone[part])}%</output>
    </label>
  );
}

export function ViewControls({ viewer }: { viewer: Viewer }) {
  useVersion(viewer);
  const { state, settings } = viewer;
  return (
    <div className="ws-view" data-testid="view-controls">
      {state !== null && (
        <>
          <label className="ws-view-slice">
            <input
              type="range"
              aria-label="Slice"
              min={1}
              max={state.series.slices}
              step={1}
              value={state.wanted + 1}
              onChange={(e) => viewer.goToSlice(Number(e.target.value) - 1)}
            />
            <span data-testid="slice-position" data-slice={state.index}>
              Slice {state.index + 1} of {state.series.slices}
              {state.wanted !== state.index ? " …" : ""}
            </span>
          </label>
          <label>
            Window{" "}
            <select aria-label="Window" value={state.window.key} onChange={(e) => viewer.setWindow(state.series.windows.find((w) => w.key === e.target.value) ?? state.window)}>
              {state.series.windows.map((w, i) => (
                <option key={w.key} value={w.key}>
                  {w.name} (Alt {i})
                </option>
              ))}
              {state.window.key === "custom" && <option value="custom">Custom</option>}
            </select>
          </label>
          <span className="ws-view-window" data-testid="window-values">
            L {state.window.level} W {state.window.width}
          </span>
        </>
      )}
      {!viewer.stack && (
        <>
          <ToneSlider label="Brightness" part="brightness" viewer={viewer} tone={settings.tone} />
          <ToneSlider label="Contrast" part="contrast" viewer={viewer} tone={settings.tone} />
          <button type="button" className="ws-quiet" onClick={() => viewer.resetTone()} disabled={settings.tone.brightness === 1 && settings.tone.contrast === 1}>
            Reset
          </button>
        </>
      )}
      <button type="button" className={settings.magnifier ? "ws-quiet active" : "ws-quiet"} aria-pressed={settings.magnifier} onClick={() => viewer.toggleMagnifier()} title="Magnifying glass (M)">
        Magnifier
      </button>
      {settings.magnifier && (
        <label>
          <input
            type="range"
            aria-label="Magnifier factor"
            min={MAGNIFIER_FACTORS.min}
            max={MAGNIFIER_FACTORS.max}
            step={1}
            value={settings.factor}
            onChange={(e) => viewer.setFactor(Number(e.target.value))}
          />
          <output data-testid="magnifier-factor">{settings.factor}x</output>
        </label>
      )}
      <span className="ws-spacer" />
      <PixelReadout viewer={viewer} />
    </div>
  );
}
