// Hidden and locked objects are the annotator's view of an item, not part of the
// annotation: they are never sent to the server. They are kept per item in the browser's
// localStorage, so they survive a reload of the page and a return to the item later, on
// this browser only.

import type { AnnotationDocument } from "../../engine/document";

export interface ViewFlags {
  readonly hidden: readonly string[];
  readonly locked: readonly string[];
}

/** Where one item's flags are kept. */
export function viewFlagsKey(projectId: number, itemId: number): string {
  return `pixelwise:view:${projectId}:${itemId}`;
}

function ids(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** The stored flags of an item (none when absent, unreadable or storage is blocked). */
export function readFlags(storage: Storage | null, key: string): ViewFlags {
  try {
    const text = storage?.getItem(key) ?? null;
    if (text === null) return { hidden: [], locked: [] };
    const json = JSON.parse(text) as Record<string, unknown>;
    return { hidden: ids(json["hidden"]), locked: ids(json["locked"]) };
  } catch {
    return { hidden: [], locked: [] };
  }
}

/** Sets the stored flags on the document's objects (ids no longer there are ignored). */
export function restoreFlags(doc: AnnotationDocument, storage: Storage | null, key: string): void {
  const flags = readFlags(storage, key);
  const hidden = new Set(flags.hidden);
  const locked = new Set(flags.locked);
  for (const id of new Set([...hidden, ...locked])) {
    if (!doc.has(id)) continue;
    doc.setFlags(id, { hidden: hidden.has(id), locked: locked.has(id) });
  }
}

/** Stores the document's flags now; an item without any leaves no entry. */
export function rememberFlags(doc: AnnotationDocument, storage: Storage | null, key: string): void {
  const objects = doc.ordered();
  const flags: ViewFlags = {
    hidden: objects.filter((o) => o.hidden === true).map((o) => o.id),
    locked: objects.filter((o) => o.locked === true).map((o) => o.id),
  };
  try {
    if (flags.hidden.length === 0 && flags.locked.length === 0) storage?.removeItem(key);
    else storage?.setItem(key, JSON.stringify(flags));
  } catch {
    // storage full or blocked: the flags last until the page is left
  }
}

/** The browser's localStorage, or null where it is blocked. */
export function localStore(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}
