// Active time per object. The item's active seconds (`ActiveTime`) also flow in here as
// they are counted and gather in a pool until it is clear whose they were:
// - an edit (drawing a new object, changing a shape, an attribute, the class) gives the
//   pool to the objects it changed: the time since the last attribution was spent making
//   that change;
// - a selection change gives the pool to the objects that were selected until then: the
//   time was spent looking at or working on them without changing them.
// Time on an object waits here until its next save carries it (`take`); an object that is
// deleted takes its unsent time with it. The item's own time counts all of it either way.

import type { AnnotationDocument, ObjectChange } from "../../engine/document";
import type { Selection } from "../../engine/selection";
import type { ActiveTime } from "./activeTime";

export class ObjectTime {
  private pool = 0;
  private readonly spent = new Map<string, number>();

  /** Active seconds were counted. */
  add(seconds: number): void {
    if (seconds > 0) this.pool += seconds;
  }

  /** An edit changed these objects (deleted ones have `after` null). */
  edited(changes: readonly ObjectChange[]): void {
    for (const change of changes) if (change.after === null) this.spent.delete(change.id);
    const kept = [...new Set(changes.filter((c) => c.after !== null).map((c) => c.id))];
    this.give(kept);
  }

  /** The selection moves on from `previous` (the objects selected until now). */
  selectionChanged(previous: Iterable<string>): void {
    this.give([...previous]);
  }

  /** Seconds not yet sent for the object; they are then counted as sent. */
  take(id: string): number {
    const seconds = this.spent.get(id) ?? 0;
    this.spent.delete(id);
    return seconds;
  }

  /** Seconds waiting for the object (not yet sent). */
  peek(id: string): number {
    return this.spent.get(id) ?? 0;
  }

  /** Seconds counted but not yet given to an object. */
  get pooled(): number {
    return this.pool;
  }

  /** Everything waiting is dropped (the document was reloaded from the server). */
  reset(): void {
    this.pool = 0;
    this.spent.clear();
  }

  private give(ids: readonly string[]): void {
    if (ids.length === 0 || this.pool === 0) return;
    const share = this.pool / ids.length;
    for (const id of ids) this.spent.set(id, (this.spent.get(id) ?? 0) + share);
    this.pool = 0;
  }
}

/** An `ObjectTime` fed by the item's active time and told about the document's edits
 * and the selection's changes, as the workspace uses it. */
export function trackObjectTime(time: ActiveTime, doc: AnnotationDocument, selection: Selection): ObjectTime {
  const objects = new ObjectTime();
  time.onCount = (seconds) => objects.add(seconds);
  doc.on((changes, kind) => {
    if (kind === "edit") objects.edited(changes);
    else if (kind === "load") objects.reset();
  });
  let selected: readonly string[] = [...selection.all];
  selection.on((ids) => {
    objects.selectionChanged(selected);
    selected = [...ids];
  });
  return objects;
}
