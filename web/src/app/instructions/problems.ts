// Where the server's problems with a document belong in the builder. Problem paths are JSON
// paths into the document (`classes[1].attributes[0].choices`, `questions[0].hotkeys.yes`).

import type { ApiError, FieldProblem } from "../../api/client";

/**
 * `classes`, 1, `attributes`, 0 → `classes[1].attributes[0]`; like the server's join_path.
 * The first part is taken as a path already (`classes[1]`), the later ones as raw keys.
 */
export function joinPath(...parts: readonly (string | number)[]): string {
  const [base, ...rest] = parts;
  let path = typeof base === "number" ? `[${base}]` : (base ?? "");
  for (const part of rest) {
    if (typeof part === "number") path += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) path += path === "" ? part : `.${part}`;
    else path += `[${JSON.stringify(part)}]`;
  }
  return path;
}

/** Whether `path` is `base` or lies inside it. */
export function isWithin(path: string, base: string): boolean {
  if (base === "") return true;
  return path === base || path.startsWith(`${base}.`) || path.startsWith(`${base}[`);
}

/** Every problem at `base` or inside it. */
export function problemsWithin(error: ApiError | null, base: string): FieldProblem[] {
  if (error === null) return [];
  return error.problem.fields.filter((item) => isWithin(item.field, base));
}

/** The message for exactly this path, or null. */
export function problemAt(error: ApiError | null, path: string): string | null {
  return error?.messageFor(path) ?? null;
}

/**
 * The list index a problem points into, under `list` (`classes[3].name` → 3 for `classes`);
 * null when the problem is elsewhere. The builder uses it to open the class with a problem.
 */
export function indexOf(path: string, list: string): number | null {
  const match = new RegExp(`^${list.replace(/[.[\]]/g, "\\$&")}\\[(\\d+)\\]`).exec(path);
  return match === null ? null : Number(match[1]);
}
