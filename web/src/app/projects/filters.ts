// Item filters (docs/api.md, "Listing and filtering items") built from the project page's controls.

export const STATES = ["queued", "leased", "submitted", "skipped", "in_review", "accepted", "rejected"] as const;
export type ItemState = (typeof STATES)[number];

export interface FilterChoice {
  readonly state: string;
  readonly className: string;
  /** A user id as typed; '' for anyone. */
  readonly annotator: string;
}

export type ItemFilter = Record<string, unknown>;

/** The conditions chosen, combined with AND; null when none is chosen (every item). */
export function itemFilter(choice: FilterChoice): ItemFilter | null {
  const conditions: ItemFilter[] = [];
  if (choice.state !== "") conditions.push({ state: choice.state });
  if (choice.className.trim() !== "") conditions.push({ class: choice.className.trim() });
  const annotator = choice.annotator.trim();
  if (annotator !== "") conditions.push({ annotator: /^\d+$/.test(annotator) ? Number(annotator) : annotator });
  if (conditions.length === 0) return null;
  return conditions.length === 1 ? (conditions[0] ?? null) : { and: conditions };
}

/** A filter typed as JSON (the export form): null for empty; throws a readable error when it is not JSON. */
export function parseFilter(text: string): ItemFilter | null {
  if (text.trim() === "") return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('The filter is not JSON; write it like {"state": ["submitted", "accepted"]}.');
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("The filter must be a JSON object.");
  return value as ItemFilter;
}

/** The workflow settings of the new-project form, as the server takes them. */
export interface WorkflowText {
  readonly consensusShare: string;
  readonly consensusCount: string;
  readonly goldShare: string;
  readonly reviewPolicy: string;
  readonly reviewShare: string;
}

function num(text: string): number | string {
  const value = Number(text.trim());
  return text.trim() !== "" && Number.isFinite(value) ? value : text;
}

export function workflowOf(text: WorkflowText): Record<string, unknown> {
  const out: Record<string, unknown> = {
    consensus_share: num(text.consensusShare),
    consensus_count: num(text.consensusCount),
    gold_share: num(text.goldShare),
    review_policy: text.reviewPolicy,
  };
  if (text.reviewPolicy === "sample" || text.reviewShare.trim() !== "") out["review_share"] = num(text.reviewShare || "0");
  return out;
}
