// The document and history: every edit type undoes and redoes, the save payload lists
// only what changed since the last acknowledged save, flags stay out of it.

import { describe, expect, it } from "vitest";
import { AnnotationDocument, type AnnotationObject } from "./document";
import {
  History,
  addCommand,
  changeClassCommand,
  deleteCommand,
  geometryCommand,
  reorderCommand,
  updateCommand,
} from "./history";

function object(id: string, z = 0): AnnotationObject {
  return { id, class: "car", geometry: { type: "box", x: 0, y: 0, w: 5, h: 5 }, attributes: {}, source: "manual", z_order: z };
}

function setup() {
  const doc = new AnnotationDocument([object("a", 0), object("b", 1)]);
  return { doc, history: new History(doc) };
}

describe("history", () => {
  it("undoes and redoes every edit type back to the same objects", () => {
    const { doc, history } = setup();
    const start = doc.ordered().slice();
    history.execute(addCommand(object("c", 2)));
    history.execute(geometryCommand(doc, "a", { type: "box", x: 1, y: 1, w: 2, h: 2 }));
    history.execute(changeClassCommand(doc, ["a", "b"], "truck"));
    history.execute(reorderCommand(doc, ["a"], "front"));
    history.execute(updateCommand(doc, "b", { attributes: { colour: "red" } }));
    history.execute(deleteCommand(doc, ["c"]));
    history.batch("two edits", (run) => {
      run(deleteCommand(doc, ["b"]));
      run(addCommand(object("d", 5)));
    });
    const end = doc.ordered().slice();
    expect(end.map((o) => o.id)).toEqual(["a", "d"]);
    expect(end[0]?.class).toBe("truck");
    let undos = 0;
    while (history.undo()) undos++;
    expect(undos).toBe(7);
    expect(doc.ordered()).toEqual(start);
    expect(doc.ordered()[0]).toBe(start[0]);
    while (history.redo());
    expect(doc.ordered()).toEqual(end);
  });

  it("a new edit clears redo; empty commands are dropped", () => {
    const { doc, history } = setup();
    history.execute(deleteCommand(doc, ["a"]));
    history.undo();
    expect(history.state().canRedo).toBe(true);
    history.execute(changeClassCommand(doc, ["a"], "car"));
    expect(history.state()).toMatchObject({ canUndo: false, canRedo: true });
    history.execute(updateCommand(doc, "a", { class: "bus" }, "rename"));
    expect(history.state()).toEqual({ canUndo: true, canRedo: false, undoLabel: "rename", redoLabel: null });
  });

  it("refuses a stale command and rolls back a failed batch", () => {
    const { doc, history } = setup();
    const stale = geometryCommand(doc, "a", { type: "box", x: 2, y: 2, w: 1, h: 1 });
    history.execute(geometryCommand(doc, "a", { type: "box", x: 3, y: 3, w: 1, h: 1 }));
    expect(() => history.execute(stale)).toThrow(/changed since/);
    expect(() =>
      history.batch("bad", (run) => {
        run(deleteCommand(doc, ["b"]));
        run(deleteCommand(doc, ["b"]));
      }),
    ).toThrow();
    expect(doc.has("b")).toBe(true);
  });

  it("reorders forward, backward and to the back", () => {
    const { doc, history } = setup();
    history.execute(addCommand(object("c", 2)));
    history.execute(reorderCommand(doc, ["a"], "forward"));
    expect(doc.ordered().map((o) => o.id)).toEqual(["b", "a", "c"]);
    history.execute(reorderCommand(doc, ["c"], "back"));
    expect(doc.ordered().map((o) => o.id)).toEqual(["c", "b", "a"]);
    history.execute(reorderCommand(doc, ["a"], "backward"));
    expect(doc.ordered().map((o) => o.id)).toEqual(["c", "a", "b"]);
  });

  it("hiding and locking are not edits and survive undo", () => {
    const { doc, history } = setup();
    history.execute(geometryCommand(doc, "a", { type: "box", x: 1, y: 1, w: 1, h: 1 }));
    doc.setFlags("a", { hidden: true });
    history.undo();
    expect(doc.get("a")?.hidden).toBe(true);
    expect(doc.get("a")?.geometry).toEqual(object("a").geometry);
    expect(doc.savePayload()).toEqual({ put: [], delete: [] });
  });
});

describe("save payload", () => {
  it("lists puts and deletes since the last acknowledged save", () => {
    const { doc, history } = setup();
    expect(doc.isDirty()).toBe(false);
    history.execute(addCommand(object("c", 2)));
    history.execute(changeClassCommand(doc, ["a"], "bus"));
    history.execute(deleteCommand(doc, ["b"]));
    const payload = doc.savePayload();
    expect(payload.put.map((o) => [o.id, o.class])).toEqual([["a", "bus"], ["c", "car"]]);
    expect(payload.delete).toEqual(["b"]);
    expect(Object.keys(payload.put[0] ?? {})).not.toContain("hidden");
    doc.acknowledge(payload);
    expect(doc.savePayload()).toEqual({ put: [], delete: [] });
    history.undo(); // b comes back: it was deleted on the server, so it is put again
    expect(doc.savePayload().put.map((o) => o.id)).toEqual(["b"]);
  });

  it("an edit made while a save is in flight stays dirty", () => {
    const { doc, history } = setup();
    history.execute(changeClassCommand(doc, ["a"], "bus"));
    const sent = doc.savePayload();
    history.execute(changeClassCommand(doc, ["a"], "tram"));
    doc.acknowledge(sent);
    expect(doc.savePayload().put.map((o) => o.class)).toEqual(["tram"]);
  });

  it("undoing back to the saved state leaves nothing to send; equal values count as unchanged", () => {
    const { doc, history } = setup();
    history.execute(changeClassCommand(doc, ["a"], "bus"));
    history.undo();
    expect(doc.isDirty()).toBe(false);
    history.execute(geometryCommand(doc, "a", { type: "box", x: 0, y: 0, w: 5, h: 5 }));
    expect(doc.isDirty()).toBe(false);
  });

  it("emits change events", () => {
    const { doc, history } = setup();
    const seen: string[] = [];
    doc.on((changes) => seen.push(...changes.map((c) => c.id)));
    history.execute(deleteCommand(doc, ["a", "b"]));
    history.undo();
    expect(seen).toEqual(["a", "b", "b", "a"]);
  });

  it("says what kind of change it was: an edit, a load from the server, or view flags", () => {
    const { doc, history } = setup();
    const kinds: string[] = [];
    doc.on((_changes, kind) => kinds.push(kind));
    history.execute(changeClassCommand(doc, ["a"], "bus"));
    history.undo();
    doc.setFlags("a", { hidden: true });
    doc.load([object("c")]);
    expect(kinds).toEqual(["edit", "edit", "flags", "load"]);
  });
});
