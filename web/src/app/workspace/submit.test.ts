// Submitting: nothing is sent while a required value is missing; otherwise the pending
// save goes first and the submit names the revision it produced; a 422 comes back as
// missing fields, an unsaved state as a message.

import { describe, expect, it } from "vitest";
import { ApiError, parseProblem } from "../../api/problem";
import { AnnotationDocument, type AnnotationObject } from "../../engine/document";
import { AutoSaver, MemoryStore, SaveFailure, type SaveRequest } from "./autosave";
import { parseInstruction } from "./instruction";
import { submitItem } from "./submit";

const instruction = parseInstruction({
  classes: [{ key: "car", name: "Car", tool: "box", attributes: [{ key: "colour", name: "Colour", type: "text", required: true }] }],
  questions: [{ key: "weather", text: "Weather", type: "text", required: true }],
});

function car(id: string, attributes: Record<string, unknown>): AnnotationObject {
  return { id, class: "car", geometry: { type: "box", x: 1, y: 1, w: 5, h: 5 }, attributes, source: "manual", z_order: 0 };
}

function setup(objects: AnnotationObject[], answers: Record<string, unknown>) {
  const doc = new AnnotationDocument(objects);
  const saves: SaveRequest[] = [];
  const submits: number[] = [];
  const server = { revision: 4, online: true, refuse: null as ApiError | null };
  const saver = new AutoSaver({
    doc,
    transport: {
      patch: async (request) => {
        if (!server.online) throw new SaveFailure("network", "The server cannot be reached");
        saves.push(request);
        return ++server.revision;
      },
      current: async () => ({ revision: server.revision, objects: [], answers: {} }),
    },
    store: new MemoryStore(),
    revision: server.revision,
    answers,
    debounceMs: 10_000,
    retryMs: [60_000],
  });
  doc.on(() => saver.changed());
  const submit = () =>
    submitItem({
      instruction,
      objects: () => doc.ordered(),
      saver,
      saveWaitMs: 500,
      send: async (revision) => {
        if (server.refuse !== null) throw server.refuse;
        submits.push(revision);
      },
    });
  return { doc, saver, saves, submits, server, submit };
}

describe("submitItem", () => {
  it("sends nothing while a required attribute or answer is missing, and names them", async () => {
    const { saver, saves, submits, submit } = setup([car("a", {}), car("b", { colour: "red" })], {});
    const outcome = await submit();
    expect(outcome).toMatchObject({ kind: "missing", message: "Fill in before submitting: Car: Colour, Weather." });
    expect(outcome.kind === "missing" && outcome.missing.map((m) => m.objectId)).toEqual(["a", null]);
    expect(saves).toHaveLength(0);
    expect(submits).toHaveLength(0);
    saver.dispose();
  });

  it("flushes the pending edit first and submits the revision it produced", async () => {
    const { doc, saver, saves, submits, submit } = setup([car("a", {})], { weather: "sun" });
    doc.apply([{ id: "a", before: doc.get("a") as AnnotationObject, after: car("a", { colour: "red" }) }]);
    const outcome = await submit();
    expect(outcome).toEqual({ kind: "submitted", revision: 5 });
    expect(saves.map((s) => s.put.map((o) => o.attributes))).toEqual([[{ colour: "red" }]]);
    expect(submits).toEqual([5]);
    saver.dispose();
  });

  it("does not submit while the edit cannot be saved", async () => {
    const { doc, saver, submits, server, submit } = setup([car("a", {})], { weather: "sun" });
    server.online = false;
    doc.apply([{ id: "a", before: doc.get("a") as AnnotationObject, after: car("a", { colour: "red" }) }]);
    const outcome = await submit();
    expect(outcome).toMatchObject({ kind: "failed" });
    expect(outcome.kind === "failed" && outcome.message).toContain("cannot be reached");
    expect(submits).toHaveLength(0);
    saver.dispose();
  });

  it("shows the server's 422 as missing fields of the object it names", async () => {
    const { saver, server, submit } = setup([car("a", { colour: "red" })], { weather: "sun" });
    server.refuse = new ApiError(parseProblem(422, { detail: "object `a`: attributes.colour: Colour is required", field: "attributes.colour", object_id: "a" }));
    const outcome = await submit();
    expect(outcome.kind).toBe("missing");
    expect(outcome.kind === "missing" && outcome.missing).toEqual([{ objectId: "a", key: "colour", label: "Car: Colour", message: "object `a`: attributes.colour: Colour is required" }]);
    server.refuse = new ApiError(parseProblem(409, { detail: "stale" }));
    expect(await submit()).toMatchObject({ kind: "failed" });
    saver.dispose();
  });
});
