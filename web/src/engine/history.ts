// Undo/redo of every edit. A command is a list of object changes (before/after pairs):
// add, update, delete, reorder, change class and batches are all built from that, so
// undo is the same list reversed with before and after swapped. Commands are built from
// the document's current objects and applied through `History.execute`.

import type { AnnotationDocument, AnnotationObject, ObjectChange } from "./document";
import type { Geometry } from "./shapes";

export interface Command {
  readonly label: string;
  readonly changes: readonly ObjectChange[];
}

export function invert(command: Command): Command {
  return {
    label: command.label,
    changes: [...command.changes].reverse().map((c) => ({ id: c.id, before: c.after, after: c.before })),
  };
}

export function addCommand(object: AnnotationObject, label = "add"): Command {
  return { label, changes: [{ id: object.id, before: null, after: object }] };
}

function current(doc: AnnotationDocument, id: string): AnnotationObject {
  const object = doc.get(id);
  if (object === undefined) throw new Error(`no object ${id}`);
  return object;
}

export type ObjectPatch = Partial<Omit<AnnotationObject, "id">>;

export function updateCommand(doc: AnnotationDocument, id: string, patch: ObjectPatch, label = "update"): Command {
  const before = current(doc, id);
  return { label, changes: [{ id, before, after: { ...before, ...patch } }] };
}

export function geometryCommand(doc: AnnotationDocument, id: string, geometry: Geometry, label = "edit shape"): Command {
  return updateCommand(doc, id, { geometry }, label);
}

export function deleteCommand(doc: AnnotationDocument, ids: Iterable<string>, label = "delete"): Command {
  const changes: ObjectChange[] = [];
  for (const id of ids) changes.push({ id, before: current(doc, id), after: null });
  return { label, changes };
}

export function changeClassCommand(doc: AnnotationDocument, ids: Iterable<string>, classKey: string, label = "change class"): Command {
  const changes: ObjectChange[] = [];
  for (const id of ids) {
    const before = current(doc, id);
    if (before.class !== classKey) changes.push({ id, before, after: { ...before, class: classKey } });
  }
  return { label, changes };
}

export type ReorderTarget = "front" | "back" | "forward" | "backward";

/** Moves objects to the front or back, or one place up or down the drawing order.
 * Objects keep their z_order where the new order allows it; where ties or neighbours get
 * in the way the following ones are renumbered upwards (z_order must be strictly
 * increasing for the order to survive a reload). */
export function reorderCommand(doc: AnnotationDocument, ids: readonly string[], target: ReorderTarget): Command {
  const order = doc.ordered().slice();
  const moving = new Set(ids);
  if (target === "front" || target === "back") {
    const changes: ObjectChange[] = [];
    ids.forEach((id, k) => {
      const before = current(doc, id);
      const z = target === "front" ? doc.maxZ() + 1 + k : doc.minZ() - ids.length + k;
      if (z !== before.z_order) changes.push({ id, before, after: { ...before, z_order: z } });
    });
    return { label: "reorder", changes };
  }
  const step = target === "forward" ? 1 : -1;
  const indices = order.map((o, i) => (moving.has(o.id) ? i : -1)).filter((i) => i >= 0);
  if (step > 0) indices.reverse();
  for (const i of indices) {
    const j = i + step;
    const other = order[j];
    if (other === undefined || moving.has(other.id)) continue;
    order[j] = order[i] as AnnotationObject;
    order[i] = other;
  }
  const changes: ObjectChange[] = [];
  let previous = -Infinity;
  for (const before of order) {
    const z = before.z_order > previous ? before.z_order : previous + 1;
    if (z !== before.z_order) changes.push({ id: before.id, before, after: { ...before, z_order: z } });
    previous = z;
  }
  return { label: "reorder", changes };
}

/** Several commands as one undo step; each must have been built on the state the
 * previous ones leave (use `History.batch` to build them against the live document). */
export function batchCommand(label: string, commands: readonly Command[]): Command {
  return { label, changes: commands.flatMap((c) => c.changes) };
}

export interface HistoryState {
  readonly canUndo: boolean;
  readonly canRedo: boolean;
  readonly undoLabel: string | null;
  readonly redoLabel: string | null;
}

export class History {
  private readonly done: Command[] = [];
  private readonly undone: Command[] = [];
  private readonly listeners = new Set<(state: HistoryState) => void>();

  constructor(
    readonly doc: AnnotationDocument,
    readonly limit = 1000,
  ) {}

  /** Applies a command and makes it undoable; empty commands are dropped. */
  execute(command: Command): void {
    if (command.changes.length === 0) return;
    this.doc.apply(command.changes);
    this.done.push(command);
    if (this.done.length > this.limit) this.done.shift();
    this.undone.length = 0;
    this.emit();
  }

  /** Runs `build` with the live document; every command it executes becomes one step. */
  batch(label: string, build: (execute: (command: Command) => void) => void): void {
    const steps: Command[] = [];
    try {
      build((command) => {
        this.doc.apply(command.changes);
        steps.push(command);
      });
    } catch (error) {
      for (const step of steps.reverse()) this.doc.apply(invert(step).changes);
      throw error;
    }
    if (steps.length === 0) return;
    this.done.push(batchCommand(label, steps));
    this.undone.length = 0;
    this.emit();
  }

  undo(): boolean {
    const command = this.done.pop();
    if (command === undefined) return false;
    this.doc.apply(invert(command).changes);
    this.undone.push(command);
    this.emit();
    return true;
  }

  redo(): boolean {
    const command = this.undone.pop();
    if (command === undefined) return false;
    this.doc.apply(command.changes);
    this.done.push(command);
    this.emit();
    return true;
  }

  clear(): void {
    this.done.length = 0;
    this.undone.length = 0;
    this.emit();
  }

  state(): HistoryState {
    return {
      canUndo: this.done.length > 0,
      canRedo: this.undone.length > 0,
      undoLabel: this.done[this.done.length - 1]?.label ?? null,
      redoLabel: this.undone[this.undone.length - 1]?.label ?? null,
    };
  }

  on(listener: (state: HistoryState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    const state = this.state();
    for (const listener of this.listeners) listener(state);
  }
}
