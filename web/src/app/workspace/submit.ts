// Submitting an item: required values are checked here first (nothing is sent while one
// is missing), then the pending save is flushed and waited for, then the submit route is
// called with the revision that save produced. A 422 names what the server found
// missing; it comes back in the same shape as the local check so the workspace shows it
// at the field either way.

import { ok } from "../../api/client";
import { asApiError } from "../../api/problem";
import type { AnnotationObject } from "../../engine/document";
import { api } from "../api";
import type { AutoSaver } from "./autosave";
import type { Instruction } from "./instruction";
import { describeMissing, missingFromProblem, missingRequired, type MissingField } from "./requiredFields";

export type SubmitOutcome =
  | { readonly kind: "submitted"; readonly revision: number }
  | { readonly kind: "missing"; readonly missing: readonly MissingField[]; readonly message: string }
  | { readonly kind: "failed"; readonly message: string };

export interface SubmitParts {
  readonly instruction: Instruction;
  readonly objects: () => readonly AnnotationObject[];
  readonly saver: AutoSaver;
  /** Calls the submit route; rejects with the API's error. */
  readonly send: (baseRevision: number) => Promise<void>;
  /** How long to wait for the pending save. */
  readonly saveWaitMs?: number;
}

const NOT_SAVED: Partial<Record<string, string>> = {
  offline: "The server cannot be reached, so your latest changes are not saved yet. Submit once they are saved.",
  conflict: "Someone else saved this item; settle the conflict first, then submit.",
  error: "Your latest changes were not saved; fix what the save message says, then submit.",
};

export async function submitItem(parts: SubmitParts): Promise<SubmitOutcome> {
  const { instruction, saver } = parts;
  const missing = missingRequired(instruction, parts.objects(), saver.answers);
  if (missing.length > 0) return { kind: "missing", missing, message: describeMissing(missing) };
  await saver.flush();
  await saver.settled(parts.saveWaitMs ?? 15_000);
  if (saver.state !== "saved" || saver.hasUnsaved()) {
    return { kind: "failed", message: NOT_SAVED[saver.state] ?? "Your latest changes are still being saved; try again in a moment." };
  }
  const revision = saver.revision;
  try {
    await parts.send(revision);
    return { kind: "submitted", revision };
  } catch (caught) {
    const error = asApiError(caught);
    if (error.status === 422) {
      const named = missingFromProblem(instruction, parts.objects(), error.problem);
      if (named.length > 0) return { kind: "missing", missing: named, message: `The server did not accept the submit: ${error.detail}` };
    }
    if (error.status === 409) return { kind: "failed", message: "The item changed on the server since it was saved here; reload the page to see the latest version, then submit." };
    return { kind: "failed", message: error.detail };
  }
}

/** The submit route of one item. */
export function submitRoute(projectId: number, itemId: number): (baseRevision: number) => Promise<void> {
  return async (baseRevision) => {
    await ok(api.POST("/api/projects/{project_id}/items/{item_id}/submit", { params: { path: { project_id: projectId, item_id: itemId } }, body: { base_revision: baseRevision } }));
  };
}
