// Submitting from the workspace: the item's state and the Submit button for the header,
// the message that lists what is missing, and `useSubmit`, which runs `submitItem` and
// keeps what it found missing so the fields can be marked (the first incomplete object is
// selected). A marked field stops being marked once it is changed.

import { useCallback, useEffect, useMemo, useState } from "react";
import type { Instruction } from "./instruction";
import type { MissingField } from "./requiredFields";
import type { ItemSession } from "./session";
import { submitItem, submitRoute } from "./submit";

const STATE_NAMES: Readonly<Record<string, string>> = {
  queued: "Queued",
  leased: "In progress",
  submitted: "Submitted",
  skipped: "Skipped",
  in_review: "In review",
  accepted: "Accepted",
  rejected: "Rejected",
};

export interface SubmitControl {
  readonly itemState: string | null;
  readonly busy: boolean;
  readonly message: string | null;
  readonly missing: readonly MissingField[];
  /** Objects with something missing. */
  readonly incomplete: ReadonlySet<string>;
  submit(): void;
  /** The message for one field (object attribute, or question when objectId is null). */
  problemFor(objectId: string | null, key: string): string | null;
  /** The field was changed: it is no longer marked. */
  touched(objectId: string | null, key: string): void;
  dismiss(): void;
}

export function useSubmit(options: {
  readonly session: ItemSession | null;
  readonly instruction: Instruction;
  readonly projectId: number;
  readonly itemId: number;
  /** After a successful submit (go to the next item). */
  readonly onSubmitted: () => void;
}): SubmitControl {
  const { session, instruction, projectId, itemId, onSubmitted } = options;
  const [itemState, setItemState] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; missing: boolean } | null>(null);
  const [missing, setMissing] = useState<readonly MissingField[]>([]);

  useEffect(() => setItemState(session?.item.state ?? null), [session]);

  const submit = useCallback(() => {
    if (session === null || busy) return;
    setBusy(true);
    setMessage(null);
    void submitItem({ instruction, objects: () => session.doc.ordered(), saver: session.saver, send: submitRoute(projectId, itemId) })
      .then((outcome) => {
        if (outcome.kind === "submitted") {
          setMissing([]);
          setItemState("submitted");
          onSubmitted();
          return;
        }
        setMessage({ text: outcome.message, missing: outcome.kind === "missing" });
        if (outcome.kind === "missing") {
          setMissing(outcome.missing);
          const first = outcome.missing.find((m) => m.objectId !== null && session.doc.has(m.objectId));
          if (first?.objectId != null) session.selection.set([first.objectId]);
        }
      })
      .finally(() => setBusy(false));
  }, [session, busy, instruction, projectId, itemId, onSubmitted]);

  // The first marked field is brought into view once it is drawn.
  useEffect(() => {
    if (missing.length === 0) return;
    document.querySelector<HTMLElement>(".ws-side [aria-invalid='true']")?.scrollIntoView({ block: "nearest" });
  }, [missing]);

  const present = useMemo(() => missing.filter((m) => m.objectId === null || session?.doc.has(m.objectId) === true), [missing, session, session?.doc.version]);
  const incomplete = useMemo(() => new Set(present.flatMap((m) => (m.objectId === null ? [] : [m.objectId]))), [present]);
  const problemFor = useCallback((objectId: string | null, key: string) => present.find((m) => m.objectId === objectId && m.key === key)?.message ?? null, [present]);
  const touched = useCallback((objectId: string | null, key: string) => setMissing((list) => list.filter((m) => m.objectId !== objectId || m.key !== key)), []);
  const dismiss = useCallback(() => {
    setMessage(null);
    setMissing([]);
  }, []);
  // Once every missing field is filled in, the message has nothing left to say.
  const shown = message === null || (message.missing && present.length === 0) ? null : message.text;
  return { itemState, busy, message: shown, missing: present, incomplete, submit, problemFor, touched, dismiss };
}

/** The item's state and the Submit button, for the header. */
export function SubmitButton({ control }: { control: SubmitControl }) {
  const state = control.itemState;
  return (
    <>
      {state !== null && (
        <span className={`ws-item-state ws-item-state-${state}`} data-testid="item-state" data-state={state}>
          {STATE_NAMES[state] ?? state}
        </span>
      )}
      <button type="button" className="ws-submit" onClick={control.submit} disabled={control.busy} title="Submit the item (Ctrl/⌘ Enter)" data-action="submit">
        {control.busy ? "Submitting…" : "Submit"}
      </button>
    </>
  );
}

/** What stopped the submit (the fields themselves carry their own message). */
export function SubmitMessage({ control }: { control: SubmitControl }) {
  if (control.message === null) return null;
  return (
    <div className="ws-submit-problem" role="alert" data-testid="submit-problem">
      <span>{control.message}</span>
      <button type="button" className="ws-quiet" onClick={control.dismiss} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}
