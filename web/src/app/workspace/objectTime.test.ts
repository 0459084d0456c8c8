// Per-object active time: who gets the seconds (the object drawn, edited or looked at),
// that nothing is counted twice, and that a save carries each object's time with it.

import { describe, expect, it } from "vitest";
import { AnnotationDocument, type AnnotationObject } from "../../engine/document";
import { History, addCommand, changeClassCommand, deleteCommand, updateCommand } from "../../engine/history";
import { Selection } from "../../engine/selection";
import { ActiveTime } from "./activeTime";
import { AutoSaver, MemoryStore, type SaveRequest } from "./autosave";
import { trackObjectTime } from "./objectTime";

function box(id: string): AnnotationObject {
  return { id, class: "car", geometry: { type: "box", x: 1, y: 1, w: 5, h: 5 }, attributes: {}, source: "manual", z_order: 0 };
}

function setup(objects: AnnotationObject[] = []) {
  let now = 0;
  const time = new ActiveTime(() => now, 30);
  const doc = new AnnotationDocument(objects);
  const history = new History(doc);
  const selection = new Selection();
  const spent = trackObjectTime(time, doc, selection);
  /** The person works `seconds` and then makes an input. */
  const work = (seconds: number) => {
    now += seconds;
    time.touch();
  };
  time.touch();
  return { time, doc, history, selection, spent, work };
}

describe("object time", () => {
  it("gives the time spent drawing to the new object, not to the one still selected", () => {
    const { history, selection, spent, work } = setup([box("a")]);
    selection.set(["a"]);
    work(4); // drawing the next box while "a" is selected
    work(2);
    history.execute(addCommand(box("b")));
    selection.set(["b"]); // tools select what they drew
    expect(spent.peek("b")).toBe(6);
    expect(spent.peek("a")).toBe(0);
  });

  it("gives time spent looking at a selected object to it when the selection moves on", () => {
    const { selection, spent, work } = setup([box("a"), box("b")]);
    selection.set(["a"]);
    work(5);
    selection.set(["b"]);
    expect(spent.peek("a")).toBe(5);
    work(3);
    selection.clear();
    expect(spent.peek("b")).toBe(3);
  });

  it("gives time to the object an edit changed, split evenly over several", () => {
    const { doc, history, spent, work } = setup([box("a"), box("b")]);
    work(3);
    history.execute(updateCommand(doc, "a", { attributes: { colour: "red" } }));
    expect(spent.peek("a")).toBe(3);
    work(4);
    history.execute(changeClassCommand(doc, ["a", "b"], "truck"));
    expect(spent.peek("a")).toBe(5);
    expect(spent.peek("b")).toBe(2);
  });

  it("counts idle stretches as the item does (at most the idle limit) and never more than the item's time", () => {
    const { time, history, spent, work } = setup();
    work(100); // away: 30 s at most
    work(1);
    history.execute(addCommand(box("a")));
    expect(spent.peek("a")).toBe(31);
    expect(time.take()).toBe(31);
  });

  it("drops the unsent time of a deleted object and forgets everything on reload", () => {
    const { doc, history, spent, work } = setup([box("a"), box("b")]);
    work(2);
    history.execute(updateCommand(doc, "a", { attributes: { x: 1 } }));
    history.execute(deleteCommand(doc, ["a"]));
    expect(spent.peek("a")).toBe(0);
    work(2);
    history.execute(updateCommand(doc, "b", { attributes: { x: 1 } }));
    doc.load([box("b")]);
    expect(spent.peek("b")).toBe(0);
    expect(spent.pooled).toBe(0);
  });

  it("flags (hide, lock) are not edits: the time waits for the next edit", () => {
    const { doc, spent, work } = setup([box("a")]);
    work(2);
    doc.setFlags("a", { hidden: true });
    expect(spent.peek("a")).toBe(0);
    expect(spent.pooled).toBe(2);
  });

  it("sends each object's time with its save, once", async () => {
    const { doc, time, history, selection, spent, work } = setup([box("a")]);
    const sent: SaveRequest[] = [];
    let revision = 0;
    const saver = new AutoSaver({
      doc,
      transport: {
        patch: async (request) => {
          sent.push(request);
          return ++revision;
        },
        current: async () => ({ revision, objects: [], answers: {} }),
      },
      store: new MemoryStore(),
      revision: 0,
      answers: {},
      takeTime: () => time.take(),
      takeObjectTime: (id) => spent.take(id),
      newRequestId: () => `r${sent.length}`,
    });
    work(3.04);
    history.execute(addCommand(box("b")));
    selection.set(["b"]);
    await saver.flush();
    await saver.settled();
    expect(sent[0]?.put).toEqual([{ ...box("b"), time_spent: 3 }]);
    expect(sent[0]?.time_spent).toBe(3);
    expect(spent.peek("b")).toBe(0);
    work(2);
    selection.set(["a"]); // looked at "b" for 2 s without a change: waits for b's next save
    expect(spent.peek("b")).toBe(2);
    work(1);
    history.execute(updateCommand(doc, "b", { attributes: { colour: "red" } }));
    await saver.flush();
    await saver.settled();
    // b's put carries the 2 s it was looked at and the 1 s of this edit.
    expect(sent[1]?.put).toEqual([{ ...box("b"), attributes: { colour: "red" }, time_spent: 3 }]);
    expect(sent[1]?.time_spent).toBe(3);
    saver.dispose();
  });
});
