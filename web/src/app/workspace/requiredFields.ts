// What must be filled in before an item can be submitted: every required attribute of
// every object (by its class in the instruction) and every required image-level question,
// with the server's idea of "missing" (null, "" or an empty list). The same shape is made
// from a 422 the submit route answers, so both are shown at the field the same way.

import type { Problem } from "../../api/problem";
import type { AnnotationObject } from "../../engine/document";
import type { Instruction } from "./instruction";

export interface MissingField {
  /** The object whose attribute is missing; null for an image-level question. */
  readonly objectId: string | null;
  /** The attribute's or question's key. */
  readonly key: string;
  /** What the person reads: "Car: Colour", "Weather". */
  readonly label: string;
  readonly message: string;
}

/** The server's `_missing`: no value, an empty text or an empty list. */
export function isMissing(value: unknown): boolean {
  return value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
}

/** Every required value not filled in, objects in drawing order first, then questions. */
export function missingRequired(instruction: Instruction, objects: readonly AnnotationObject[], answers: Readonly<Record<string, unknown>>): MissingField[] {
  const classes = new Map(instruction.classes.map((c) => [c.key, c]));
  const missing: MissingField[] = [];
  for (const object of objects) {
    const label = classes.get(object.class);
    if (label === undefined) continue;
    for (const spec of label.attributes) {
      if (spec.required && isMissing(object.attributes[spec.key])) {
        missing.push({ objectId: object.id, key: spec.key, label: `${label.name}: ${spec.label}`, message: `${spec.label} is required` });
      }
    }
  }
  for (const spec of instruction.questions) {
    if (spec.required && isMissing(answers[spec.key])) missing.push({ objectId: null, key: spec.key, label: spec.label, message: `${spec.label} needs an answer` });
  }
  return missing;
}

const PATH = /^(attributes|answers)(?:\.([A-Za-z_][A-Za-z0-9_]*)|\["((?:[^"\\]|\\.)*)"\])/;

/** A server path such as `attributes.colour` or `answers["a b"]` as (where, key). */
export function parseFieldPath(path: string): { where: "attributes" | "answers"; key: string } | null {
  const match = PATH.exec(path);
  if (match === null) return null;
  const key = match[2] ?? JSON.parse(`"${match[3] ?? ""}"`);
  return { where: match[1] as "attributes" | "answers", key: key as string };
}

/** The fields a refused submit (422) names, labelled from the instruction; empty when
 * the problem names none the workspace can show (the caller shows its detail). */
export function missingFromProblem(instruction: Instruction, objects: readonly AnnotationObject[], problem: Problem): MissingField[] {
  const found: MissingField[] = [];
  for (const item of problem.fields) {
    const path = parseFieldPath(item.field);
    if (path === null) continue;
    if (path.where === "answers") {
      const spec = instruction.questions.find((q) => q.key === path.key);
      found.push({ objectId: null, key: path.key, label: spec?.label ?? path.key, message: item.message });
      continue;
    }
    if (problem.objectId === null) continue;
    const object = objects.find((o) => o.id === problem.objectId);
    const label = instruction.classes.find((c) => c.key === object?.class);
    const spec = label?.attributes.find((a) => a.key === path.key);
    found.push({ objectId: problem.objectId, key: path.key, label: `${label?.name ?? "Object"}: ${spec?.label ?? path.key}`, message: item.message });
  }
  return found;
}

/** One sentence naming what is missing, e.g. "Fill in before submitting: Car: Colour,
 * Weather." (an attribute missing on several objects is named once with a count). */
export function describeMissing(missing: readonly MissingField[]): string {
  const counts = new Map<string, number>();
  for (const m of missing) counts.set(m.label, (counts.get(m.label) ?? 0) + 1);
  const parts = [...counts].map(([label, n]) => (n > 1 ? `${label} (${n} objects)` : label));
  return `Fill in before submitting: ${parts.join(", ")}.`;
}
