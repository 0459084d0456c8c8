// The annotation of one work item as the workspace edits it: objects keyed by a stable
// id, drawn in z-order, changed only through `apply` (which history commands call), with
// change events for the UI. It remembers the objects the server last acknowledged, so the
// next PATCH carries only what changed since: `put` for new or changed objects, `delete`
// for removed ones; undoing back to the saved state leaves nothing to send.

import type { Geometry } from "./shapes";

export type Source = "manual" | "assisted" | "model" | "imported";

export interface AnnotationObject {
  readonly id: string;
  readonly class: string;
  readonly geometry: Geometry;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly source: Source;
  readonly model?: string | null;
  readonly score?: number | null;
  readonly z_order: number;
  /** Client-side only, never sent: not drawn and not hit. */
  readonly hidden?: boolean;
  /** Client-side only, never sent: drawn but not editable. */
  readonly locked?: boolean;
}

/** An object as the PATCH API takes it. */
export interface ObjectPayload {
  id: string;
  class: string;
  geometry: Geometry;
  attributes: Readonly<Record<string, unknown>>;
  source: Source;
  model?: string | null;
  score?: number | null;
  z_order: number;
}

export interface SavePayload {
  put: ObjectPayload[];
  delete: string[];
}

/** One object before and after a change; null before means added, null after deleted. */
export interface ObjectChange {
  readonly id: string;
  readonly before: AnnotationObject | null;
  readonly after: AnnotationObject | null;
}

/** Why objects changed: an edit (`apply`: tools, undo, redo), the server's state loaded,
 * or the client-side flags. */
export type ChangeKind = "edit" | "load" | "flags";

export type ChangeListener = (changes: readonly ObjectChange[], kind: ChangeKind) => void;

/** A 32-character hex id, valid for the server (`^[A-Za-z0-9_.:-]{1,64}$`). */
export function newObjectId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function toPayload(object: AnnotationObject): ObjectPayload {
  const payload: ObjectPayload = {
    id: object.id,
    class: object.class,
    geometry: object.geometry,
    attributes: object.attributes,
    source: object.source,
    z_order: object.z_order,
  };
  if (object.model != null) payload.model = object.model;
  if (object.score != null) payload.score = object.score;
  return payload;
}

/** Reads an object from the server's annotation JSON (extra server fields are dropped). */
export function fromServer(json: ObjectPayload): AnnotationObject {
  return {
    id: json.id,
    class: json.class,
    geometry: json.geometry,
    attributes: json.attributes,
    source: json.source,
    model: json.model ?? null,
    score: json.score ?? null,
    z_order: json.z_order,
  };
}

/** Equal but for the client-side flags (which change outside history). */
function sameEdit(a: AnnotationObject | null, b: AnnotationObject | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (key === "hidden" || key === "locked") continue;
    if (a[key as keyof AnnotationObject] !== b[key as keyof AnnotationObject]) return false;
  }
  return true;
}

/** `after` with the flags `current` has now (undo must not unhide or unlock). */
function keepFlags(current: AnnotationObject, after: AnnotationObject): AnnotationObject {
  if (current.hidden === after.hidden && current.locked === after.locked) return after;
  const { hidden: _h, locked: _l, ...rest } = after;
  const flags: { hidden?: boolean; locked?: boolean } = {};
  if (current.hidden !== undefined) flags.hidden = current.hidden;
  if (current.locked !== undefined) flags.locked = current.locked;
  return { ...rest, ...flags };
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export class AnnotationDocument {
  private readonly objects = new Map<string, AnnotationObject>();
  private readonly arrival = new Map<string, number>();
  private arrivals = 0;
  private orderCache: AnnotationObject[] | null = null;
  private saved = new Map<string, AnnotationObject>();
  private readonly savedJson = new WeakMap<AnnotationObject, string>();
  private readonly listeners = new Set<ChangeListener>();
  /** Bumped on every change; renderers compare it to skip work. */
  version = 0;

  constructor(objects: readonly AnnotationObject[] = []) {
    this.load(objects);
  }

  /** Replaces everything with the server's state (which counts as saved). */
  load(objects: readonly AnnotationObject[]): void {
    const before = [...this.objects.values()];
    this.objects.clear();
    this.arrival.clear();
    for (const object of objects) this.insert(object);
    this.saved = new Map(this.objects);
    this.touch([
      ...before.map((b): ObjectChange => ({ id: b.id, before: b, after: null })),
      ...objects.map((o): ObjectChange => ({ id: o.id, before: null, after: o })),
    ], "load");
  }

  get(id: string): AnnotationObject | undefined {
    return this.objects.get(id);
  }

  has(id: string): boolean {
    return this.objects.has(id);
  }

  get size(): number {
    return this.objects.size;
  }

  /** All objects in drawing order: z_order, then the order they arrived in. */
  ordered(): readonly AnnotationObject[] {
    if (this.orderCache === null) {
      this.orderCache = [...this.objects.values()].sort(
        (a, b) => a.z_order - b.z_order || (this.arrival.get(a.id) ?? 0) - (this.arrival.get(b.id) ?? 0),
      );
    }
    return this.orderCache;
  }

  maxZ(): number {
    const order = this.ordered();
    return order.length === 0 ? 0 : (order[order.length - 1] as AnnotationObject).z_order;
  }

  minZ(): number {
    return this.ordered()[0]?.z_order ?? 0;
  }

  on(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies changes in order; each `before` must be the current object (by reference),
   * so a stale command fails loudly instead of overwriting newer work. */
  apply(changes: readonly ObjectChange[]): void {
    for (const change of changes) {
      const current = this.objects.get(change.id) ?? null;
      if (!sameEdit(current, change.before)) throw new Error(`object ${change.id} changed since this command was made`);
    }
    for (const change of changes) {
      const current = this.objects.get(change.id);
      if (change.after === null) {
        this.objects.delete(change.id);
        this.arrival.delete(change.id);
      } else if (current === undefined) {
        this.insert(change.after);
      } else {
        this.objects.set(change.id, keepFlags(current, change.after));
      }
    }
    this.touch(changes, "edit");
  }

  /** Sets client-side flags (hidden, locked): not an edit, not undoable, not saved. */
  setFlags(id: string, flags: { hidden?: boolean; locked?: boolean }): void {
    const current = this.objects.get(id);
    if (current === undefined) return;
    const after = { ...current, ...flags };
    this.objects.set(id, after);
    this.touch([{ id, before: current, after }], "flags");
  }

  /** What to send to the PATCH API: objects that differ from the acknowledged ones. */
  savePayload(): SavePayload {
    const put: ObjectPayload[] = [];
    for (const object of this.ordered()) {
      const saved = this.saved.get(object.id);
      if (saved === object) continue;
      if (saved !== undefined && this.json(saved) === this.json(object)) continue;
      put.push(toPayload(object));
    }
    const remove = [...this.saved.keys()].filter((id) => !this.objects.has(id));
    return { put, delete: remove };
  }

  isDirty(): boolean {
    const payload = this.savePayload();
    return payload.put.length > 0 || payload.delete.length > 0;
  }

  /** Marks a sent payload as saved once the server answered. Edits made while the save
   * was in flight stay dirty: the saved copy is the one that was sent. */
  acknowledge(payload: SavePayload): void {
    for (const object of payload.put) {
      const current = this.objects.get(object.id);
      const sent: AnnotationObject =
        current !== undefined && this.json(current) === stableJson(object) ? current : fromServer(object);
      this.saved.set(object.id, sent);
    }
    for (const id of payload.delete) this.saved.delete(id);
  }

  private json(object: AnnotationObject): string {
    let text = this.savedJson.get(object);
    if (text === undefined) {
      text = stableJson(toPayload(object));
      this.savedJson.set(object, text);
    }
    return text;
  }

  private insert(object: AnnotationObject): void {
    this.objects.set(object.id, object);
    this.arrival.set(object.id, this.arrivals++);
  }

  private touch(changes: readonly ObjectChange[], kind: ChangeKind): void {
    this.orderCache = null;
    this.version++;
    for (const listener of this.listeners) listener(changes, kind);
  }
}
