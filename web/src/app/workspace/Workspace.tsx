// The labeling workspace of one work item: header (position, navigation, save state),
// tool palette and classes, the canvas, and the side panel (objects, attributes of the
// selected object, image-level questions). Keyboard shortcuts are handled here; drawing
// is the engine's (through `Stage`), saving is `AutoSaver`'s.

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import type { Schemas } from "../../api/client";
import { asApiError, type ApiError } from "../../api/problem";
import { deleteCommand, updateCommand } from "../../engine/history";
import { ProblemAlert } from "../components/ProblemAlert";
import type { SaveState } from "./autosave";
import { FieldInput } from "./FieldInput";
import { JumpToItem } from "./JumpToItem";
import { ThumbnailStrip } from "./ThumbnailStrip";
import { defaultValues, type Instruction, type LabelClass } from "./instruction";
import type { ItemNavigator } from "./itemWindows";
import { ObjectList } from "./ObjectList";
import { buildPalette, classForEntry, entryForClass, shortcutList, type PaletteEntry } from "./palette";
import { startOpening, takeOpening, type ItemSession } from "./session";
import { paintPreview, Stage } from "./stage";
import { SubmitButton, SubmitMessage, useSubmit } from "./SubmitBar";
import { useObjectClipboard } from "./useObjectClipboard";
import { ViewControls } from "./ViewControls";
import { openingPicture, prefetchItem, Viewer, viewShortcuts } from "./viewer";

export interface ProjectSetup {
  readonly project: Schemas["ProjectOut"];
  readonly instruction: Instruction;
  readonly items: ItemNavigator;
}

const STATE_TEXT: Record<SaveState, string> = {
  saved: "Saved",
  unsaved: "Unsaved changes",
  saving: "Saving…",
  offline: "Offline: changes are kept on this device",
  conflict: "Conflict",
  error: "Not saved",
};

declare global {
  interface Window {
    /** The open item's engine objects, for browser tests and the performance bench. */
    __pixelwise?: { itemId: number; stage: Stage; session: ItemSession };
    /** The start of the first frame after the item's image was drawn (performance.now()),
     * for the bench. */
    __pixelwiseImage?: { itemId: number; at: number };
  }
}

/** A message for the item about to be opened ("a.png was submitted."), shown once there. */
const arrivalNotices = new Map<number, string>();

function takeArrivalNotice(itemId: number): string | null {
  const notice = arrivalNotices.get(itemId) ?? null;
  arrivalNotices.delete(itemId);
  return notice;
}

function markImageShown(itemId: number): void {
  if (window.__pixelwiseImage?.itemId !== itemId) window.__pixelwiseImage = { itemId, at: performance.now() };
}

function typing(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

function withValue(values: Readonly<Record<string, unknown>>, key: string, value: unknown): Record<string, unknown> {
  const next = { ...values };
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) delete next[key];
  else next[key] = value;
  return next;
}

export function ItemWorkspace({ setup, itemId }: { setup: ProjectSetup; itemId: number }) {
  const { project, instruction, items } = setup;
  const navigate = useNavigate();
  const [session, setSession] = useState<ItemSession | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [position, setPosition] = useState<number | null>(null);
  const [, setTick] = useState(0);
  const [help, setHelp] = useState(false);
  const [notice, setNotice] = useState<string | null>(() => takeArrivalNotice(itemId));
  const palette = useMemo(() => buildPalette(instruction), [instruction]);
  const [entryId, setEntryId] = useState<string>(() => {
    const first = instruction.classes[0];
    return (first === undefined ? undefined : entryForClass(palette, first)?.id) ?? "select";
  });
  const [classKey, setClassKey] = useState<string | null>(instruction.classes[0]?.key ?? null);
  const hostRef = useRef<HTMLDivElement>(null);
  const imageCanvasRef = useRef<HTMLCanvasElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const stageRef = useRef<Stage | null>(null);
  const [viewer, setViewer] = useState<Viewer | null>(null);
  const entry = palette.find((e) => e.id === entryId) ?? (palette[0] as PaletteEntry);
  const classes = useMemo(() => new Map(instruction.classes.map((c) => [c.key, c])), [instruction]);
  const rerender = useCallback(() => setTick((t) => t + 1), []);

  // Read the item, its annotation and its image.
  useEffect(() => {
    let cancelled = false;
    let opened: ItemSession | null = null;
    takeOpening(project.id, itemId)
      .then((s) => {
        if (cancelled) return;
        opened = s;
        setSession(s);
        if (s.dropped > 0) setNotice(`${s.dropped} change(s) saved on this device earlier no longer applied and were dropped.`);
      })
      .catch((caught: unknown) => !cancelled && setError(asApiError(caught)));
    items
      .indexOf(itemId)
      .then(async (index) => {
        if (cancelled) return;
        setPosition(index);
        // Show the (usually prefetched) image while the annotation is still on its way.
        const listed = items.items[index];
        if (listed === undefined) return;
        const image = await openingPicture(project.id, listed);
        if (cancelled || stageRef.current !== null || hostRef.current === null || imageCanvasRef.current === null) return;
        paintPreview(hostRef.current, imageCanvasRef.current, image);
        requestAnimationFrame(() => !cancelled && markImageShown(itemId));
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
      if (opened !== null) void opened.saver.flush(); // leaving: send what is left now
    };
  }, [project.id, itemId, items]);

  // The canvas, once the item is known.
  useEffect(() => {
    if (session === null || hostRef.current === null || imageCanvasRef.current === null || canvasRef.current === null) return;
    const { item, doc, history, selection, saver, time } = session;
    const stage = new Stage(
      {
        host: hostRef.current,
        imageCanvas: imageCanvasRef.current,
        canvas: canvasRef.current,
        doc,
        history,
        selection,
        width: item.width ?? 1,
        height: item.height ?? 1,
        colorOf: (key) => classes.get(key)?.color ?? "#888888",
        edgesOf: (key) => instruction.skeletons.find((t) => t.key === classes.get(key)?.skeleton)?.edges ?? [],
        defaultAttributes: (key) => defaultValues(classes.get(key)?.attributes ?? []),
        onProblem: (message) => setNotice(message),
        onInput: () => time.touch(),
        onImageDrawn: () => requestAnimationFrame(() => markImageShown(itemId)),
      },
      entry.tool,
    );
    stage.ctx.classKey = classKey;
    stageRef.current = stage;
    window.__pixelwise = { itemId, stage, session };
    let cancelled = false;
    const viewer = new Viewer({ projectId: project.id, item, stage, doc, selection, onError: (caught) => !cancelled && setError(asApiError(caught)) });
    setViewer(viewer);
    viewer.load().catch((caught: unknown) => !cancelled && setError(asApiError(caught)));
    // Prefetch the next item's image (or series) while this one is labelled.
    items
      .neighbour(itemId, 1)
      .then((next) => {
        if (next !== null && !cancelled) prefetchItem(project.id, next);
      })
      .catch(() => undefined);
    const offs = [
      doc.on(() => {
        stage.invalidate();
        rerender();
      }),
      selection.on(() => {
        stage.invalidate();
        rerender();
      }),
      history.on(rerender),
      saver.on(rerender),
    ];
    const online = () => saver.retryNow();
    const unload = (event: BeforeUnloadEvent) => {
      if (!saver.hasUnsaved()) return;
      void saver.flush();
      event.preventDefault();
      event.returnValue = "";
    };
    const visibility = () => document.visibilityState === "hidden" && time.pause();
    window.addEventListener("online", online);
    window.addEventListener("beforeunload", unload);
    document.addEventListener("visibilitychange", visibility);
    return () => {
      cancelled = true;
      for (const off of offs) off();
      window.removeEventListener("online", online);
      window.removeEventListener("beforeunload", unload);
      document.removeEventListener("visibilitychange", visibility);
      viewer.destroy();
      setViewer(null);
      stage.destroy();
      stageRef.current = null;
      if (window.__pixelwise?.stage === stage) delete window.__pixelwise;
    };
    // The stage is made once per item; tool and class changes reach it below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session]);

  useEffect(() => {
    const stage = stageRef.current;
    if (stage === null) return;
    stage.setTool(entry.tool);
    stage.ctx.classKey = classKey;
  }, [entry, classKey, session]);

  const chooseClass = useCallback(
    (label: LabelClass) => {
      setClassKey(label.key);
      const own = entryForClass(palette, label);
      if (own !== undefined) setEntryId(own.id);
    },
    [palette],
  );

  const chooseEntry = useCallback(
    (next: PaletteEntry) => {
      setEntryId(next.id);
      setClassKey((active) => classForEntry(instruction, next, active));
    },
    [instruction],
  );

  const go = useCallback(
    async (step: number, notice?: string): Promise<boolean> => {
      const next = await items.neighbour(itemId, step);
      if (next === null) return false;
      startOpening(project.id, next.id);
      if (notice !== undefined) arrivalNotices.set(next.id, notice);
      navigate(`/projects/${project.id}/items/${next.id}`);
      return true;
    },
    [items, itemId, navigate, project.id],
  );

  const submitted = useCallback(() => {
    const name = session?.item.name ?? "The item";
    void go(1, `${name} was submitted.`).then((moved) => moved || setNotice(`${name} was submitted. It is the last item of the project.`));
  }, [go, session]);
  const submitControl = useSubmit({ session, instruction, projectId: project.id, itemId, onSubmitted: submitted });
  const submitNow = submitControl.submit;

  const stageSlice = useCallback(() => stageRef.current?.ctx.slice ?? null, []);
  const { copy: copySelected, paste, duplicate } = useObjectClipboard({ session, projectId: project.id, itemId, classes, slice: stageSlice, onNotice: setNotice });

  const undo = useCallback(() => {
    const stage = stageRef.current;
    if (stage === null || session === null) return;
    stage.tool.cancel(stage.ctx);
    session.history.undo();
  }, [session]);

  const redo = useCallback(() => {
    const stage = stageRef.current;
    if (stage === null || session === null) return;
    stage.tool.cancel(stage.ctx);
    session.history.redo();
  }, [session]);

  const deleteSelected = useCallback(() => {
    if (session === null) return;
    const ids = [...session.selection.all].filter((id) => session.doc.get(id)?.locked !== true && session.doc.has(id));
    if (ids.length === 0) return;
    session.history.execute(deleteCommand(session.doc, ids, ids.length > 1 ? `delete ${ids.length} objects` : "delete"));
    session.selection.clear();
  }, [session]);

  const setAnswer = useCallback(
    (key: string, value: unknown) => {
      if (session === null) return;
      session.saver.setAnswers(withValue(session.saver.answers, key, value));
      session.time.touch();
      rerender();
    },
    [session, rerender],
  );

  // Keyboard shortcuts.
  useEffect(() => {
    if (session === null) return;
    const classHotkeys = new Map(instruction.classes.filter((c) => c.hotkey !== null).map((c) => [(c.hotkey as string).toLowerCase(), c]));
    const answerHotkeys = new Map<string, { question: string; choice: string; multiple: boolean }>();
    for (const q of instruction.questions) {
      if (q.type !== "single_choice" && q.type !== "multiple_choice") continue;
      for (const [choice, key] of Object.entries(q.hotkeys)) answerHotkeys.set(key.toLowerCase(), { question: q.key, choice, multiple: q.type === "multiple_choice" });
    }
    const toolHotkeys = new Map(palette.filter((e) => e.hotkey !== "").map((e) => [e.hotkey, e]));
    const down = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
        // Also from a form field: the field's value is committed first (on its Enter).
        event.preventDefault();
        if (stageRef.current !== null) stageRef.current.tool.cancel(stageRef.current.ctx);
        submitNow();
        return;
      }
      if (typing(event.target)) return;
      if (event.key === "?") {
        // The list needs no canvas: it opens even before the image is shown.
        event.preventDefault();
        setHelp((shown) => !shown);
        return;
      }
      const stage = stageRef.current;
      if (stage === null) return;
      session.time.touch();
      const ctrl = event.ctrlKey || event.metaKey;
      const key = event.key;
      const lower = key.length === 1 ? key.toLowerCase() : key;
      const handled = (): void => {
        event.preventDefault();
        stage.invalidate();
      };
      if (ctrl && lower === "z") {
        if (event.shiftKey) redo();
        else undo();
        return handled();
      }
      if (ctrl && lower === "y") {
        redo();
        return handled();
      }
      if (ctrl && !event.shiftKey && !event.altKey && lower === "c") {
        if (copySelected()) handled();
        return;
      }
      if (ctrl && !event.shiftKey && !event.altKey && lower === "v") {
        stage.tool.cancel(stage.ctx);
        paste();
        return handled();
      }
      if (ctrl && !event.shiftKey && !event.altKey && lower === "d") {
        stage.tool.cancel(stage.ctx);
        duplicate();
        return handled();
      }
      if (key === " ") {
        stage.spaceHeld = true;
        return handled();
      }
      if (event.altKey && (key === "ArrowRight" || key === "ArrowLeft")) {
        void go(key === "ArrowRight" ? 1 : -1);
        return handled();
      }
      if (stage.tool.keyDown({ key, shift: event.shiftKey, ctrl, alt: event.altKey }, stage.ctx)) return handled();
      if (viewer?.keyDown({ key, code: event.code, shift: event.shiftKey, ctrl, alt: event.altKey }) === true) return handled();
      if (ctrl || event.altKey) return;
      if (key === "Delete" || key === "Backspace") {
        deleteSelected();
        return handled();
      }
      if (key === "Escape") {
        session.selection.clear();
        return handled();
      }
      if (event.shiftKey && event.code === "KeyF") {
        stage.fit();
        return handled();
      }
      if (event.shiftKey && event.code === "Digit1") {
        stage.oneToOne();
        return handled();
      }
      const label = classHotkeys.get(lower);
      if (label !== undefined) {
        chooseClass(label);
        return handled();
      }
      const answer = answerHotkeys.get(lower);
      if (answer !== undefined) {
        const before = session.saver.answers[answer.question];
        const list = Array.isArray(before) ? (before as unknown[]) : [];
        setAnswer(answer.question, answer.multiple ? (list.includes(answer.choice) ? list.filter((c) => c !== answer.choice) : [...list, answer.choice]) : answer.choice);
        return handled();
      }
      const tool = toolHotkeys.get(lower);
      if (tool !== undefined) {
        chooseEntry(tool);
        return handled();
      }
      if (lower === "f") {
        stage.fit();
        return handled();
      }
      if (lower === "m" && viewer !== null) {
        viewer.toggleMagnifier();
        return handled();
      }
      if (lower === "1") {
        stage.oneToOne();
        return handled();
      }
    };
    const up = (event: KeyboardEvent) => {
      if (event.key === " " && stageRef.current !== null) stageRef.current.spaceHeld = false;
    };
    window.addEventListener("keydown", down);
    window.addEventListener("keyup", up);
    return () => {
      window.removeEventListener("keydown", down);
      window.removeEventListener("keyup", up);
    };
  }, [session, instruction, palette, chooseClass, chooseEntry, deleteSelected, go, redo, undo, setAnswer, submitNow, copySelected, paste, duplicate, viewer]);

  const shortcuts = useMemo(() => {
    const list = shortcutList(instruction, palette);
    return [...list, ...viewShortcuts(viewer?.stack ?? false, new Set(list.map((s) => s.keys.toLowerCase())))];
  }, [instruction, palette, viewer]);
  const stage = stageRef.current;
  const saveState = session?.saver.state ?? "saved";
  const selectedId = session?.selection.single() ?? null;
  const selected = selectedId === null ? undefined : session?.doc.get(selectedId);
  const historyState = session?.history.state();

  return (
    <div className="workspace" onPointerDownCapture={() => session?.time.touch()} onKeyDownCapture={() => session?.time.touch()}>
      <header className="ws-header">
        <Link to={`/projects/${project.id}`} className="ws-back">
          ← {project.name}
        </Link>
        <span className="ws-position" data-testid="position">
          {position === null || position < 0 ? "Item" : `Item ${position + 1} of ${project.item_count}`}
          {session !== null && <span className="muted"> · {session.item.name}</span>}
        </span>
        <button type="button" onClick={() => void go(-1)} disabled={position === null || position <= 0} data-action="previous">
          Previous
        </button>
        <button type="button" onClick={() => void go(1)} disabled={position === null || position + 1 >= project.item_count} data-action="next">
          Next
        </button>
        <JumpToItem projectId={project.id} />
        <span className="ws-spacer" />
        <button type="button" className="ws-quiet" onClick={undo} disabled={historyState?.canUndo !== true} title="Undo (Ctrl/⌘ Z)">
          Undo
        </button>
        <button type="button" className="ws-quiet" onClick={redo} disabled={historyState?.canRedo !== true} title="Redo (Ctrl/⌘ Shift Z)">
          Redo
        </button>
        <button type="button" className="ws-quiet" onClick={() => stage?.fit()} title="Fit (F)">
          Fit
        </button>
        <button type="button" className="ws-quiet" onClick={() => stage?.oneToOne()} title="1:1 (1)">
          1:1
        </button>
        <button type="button" className="ws-quiet" onClick={() => setHelp((shown) => !shown)} title="Shortcuts (?)">
          ?
        </button>
        <SubmitButton control={submitControl} />
        <span className={`ws-save ws-save-${saveState}`} role="status" data-testid="save-state" data-state={saveState} title={session?.saver.message ?? ""}>
          {STATE_TEXT[saveState]}
          {saveState === "error" && session?.saver.message ? `: ${session.saver.message}` : ""}
        </span>
      </header>
      <ThumbnailStrip projectId={project.id} itemId={itemId} />
      <ProblemAlert error={error} />
      <SubmitMessage control={submitControl} />
      {notice !== null && (
        <div className="ws-notice" role="alert">
          {notice}
          <button type="button" className="ws-quiet" onClick={() => setNotice(null)} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      <div className="ws-body">
        <nav className="ws-palette" aria-label="Tools">
          {palette.map((e) => (
            <button key={e.id} type="button" className={e.id === entry.id ? "active" : ""} aria-pressed={e.id === entry.id} onClick={() => chooseEntry(e)} title={e.hotkey === "" ? e.label : `${e.label} (${e.hotkey.toUpperCase()})`}>
              {e.label}
            </button>
          ))}
          <h3>Classes</h3>
          {instruction.classes.map((c) => (
            <button key={c.key} type="button" className={c.key === classKey ? "active ws-class" : "ws-class"} aria-pressed={c.key === classKey} onClick={() => chooseClass(c)}>
              <span className="ws-swatch" style={{ background: c.color }} />
              {c.name}
              {c.hotkey !== null && <kbd>{c.hotkey}</kbd>}
            </button>
          ))}
        </nav>
        <div className="ws-stage">
          <div className="ws-canvas" ref={hostRef} data-testid="canvas-host">
            <canvas ref={imageCanvasRef} className="ws-image" />
            <canvas ref={canvasRef} className="ws-shapes" tabIndex={0} data-testid="annotation-canvas" aria-label="Annotation canvas" />
            {session === null && error === null && <div className="ws-loading">Loading…</div>}
          </div>
          {viewer !== null && <ViewControls viewer={viewer} />}
        </div>
        <aside className="ws-side">
          <h3>Objects ({session?.doc.size ?? 0})</h3>
          {session !== null && <ObjectList session={session} instruction={instruction} classes={classes} incomplete={submitControl.incomplete} />}
          {selected !== undefined && session !== null && (
            <section className="ws-attributes" aria-label="Attributes">
              <h3>{classes.get(selected.class)?.name ?? selected.class}: attributes</h3>
              {(classes.get(selected.class)?.attributes ?? []).length === 0 && <p className="muted">This class has no attributes.</p>}
              {(classes.get(selected.class)?.attributes ?? []).map((spec) => (
                <FieldInput
                  key={`${selected.id}-${spec.key}`}
                  idPrefix={`attr-${selected.id}`}
                  spec={spec}
                  value={selected.attributes[spec.key]}
                  problem={submitControl.problemFor(selected.id, spec.key)}
                  onChange={(value) => {
                    const current = session.doc.get(selected.id);
                    if (current === undefined) return;
                    submitControl.touched(selected.id, spec.key);
                    session.time.touch();
                    session.history.execute(updateCommand(session.doc, selected.id, { attributes: withValue(current.attributes, spec.key, value) }, `set ${spec.label}`));
                  }}
                />
              ))}
            </section>
          )}
          {instruction.questions.length > 0 && session !== null && (
            <section className="ws-questions" aria-label="Image questions">
              <h3>Image</h3>
              {instruction.questions.map((spec) => (
                <FieldInput
                  key={spec.key}
                  idPrefix="question"
                  spec={spec}
                  value={session.saver.answers[spec.key]}
                  problem={submitControl.problemFor(null, spec.key)}
                  onChange={(value) => {
                    submitControl.touched(null, spec.key);
                    setAnswer(spec.key, value);
                  }}
                />
              ))}
            </section>
          )}
        </aside>
      </div>
      {help && (
        <div className="ws-overlay" role="dialog" aria-label="Keyboard shortcuts" onClick={() => setHelp(false)}>
          <div className="ws-dialog" onClick={(e) => e.stopPropagation()}>
            <h2>Keyboard shortcuts</h2>
            <table>
              <tbody>
                {shortcuts.map((s) => (
                  <tr key={`${s.keys}-${s.what}`}>
                    <td>
                      <kbd>{s.keys}</kbd>
                    </td>
                    <td>{s.what}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <button type="button" onClick={() => setHelp(false)}>
              Close
            </button>
          </div>
        </div>
      )}
      {saveState === "conflict" && session !== null && (
        <div className="ws-overlay" role="alertdialog" aria-label="Save conflict">
          <div className="ws-dialog">
            <h2>Someone else saved this item</h2>
            <p>
              The item changed on the server since you opened it, so your latest changes were not saved. Reload their version (your unsaved changes are
              dropped), or keep yours: your changes are applied on top of their version and saved.
            </p>
            <div className="ws-actions">
              <button type="button" onClick={() => void session.saver.reloadTheirs().catch((caught: unknown) => setError(asApiError(caught)))}>
                Reload theirs
              </button>
              <button type="button" onClick={() => void session.saver.keepMine().catch((caught: unknown) => setError(asApiError(caught)))}>
                Keep mine
              </button>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
