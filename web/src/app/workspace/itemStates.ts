// What an item's state means to the person labelling: the workflow state, with an open
// (queued or leased) item told apart by whether anyone saved work on it yet.

export type ShownState = "new" | "in_progress" | "submitted" | "skipped" | "in_review" | "accepted" | "rejected";

export const SHOWN_STATE_TEXT: Record<ShownState, string> = {
  new: "New",
  in_progress: "In progress",
  submitted: "Submitted",
  skipped: "Skipped",
  in_review: "In review",
  accepted: "Accepted",
  rejected: "Rejected",
};

/** The state shown for an item: open items are "new" until a first save, then "in progress". */
export function shownState(item: { readonly state: string; readonly revision: number }): ShownState {
  if (item.state === "queued" || item.state === "leased") return item.revision > 0 ? "in_progress" : "new";
  if (item.state in SHOWN_STATE_TEXT) return item.state as ShownState;
  return "new";
}

/** What "jump to item" was given: a position (digits, optionally after '#') or a part of a file name. */
export function parseJump(text: string): { readonly position: number } | { readonly name: string } | null {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  const digits = /^#?\s*(\d{1,10})$/.exec(trimmed);
  if (digits !== null) return { position: Number(digits[1]) };
  return { name: trimmed };
}
