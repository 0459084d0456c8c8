import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AnnotationDocument, type AnnotationObject } from "../../engine/document";
import { ActiveTime } from "./activeTime";
import { AutoSaver, type CurrentAnnotation, MemoryStore, SaveFailure, type SaveRequest, type SaveTransport } from "./autosave";
import { defaultValues, parseInstruction } from "./instruction";

function box(id: string, x: number): AnnotationObject {
  return { id, class: "car", geometry: { type: "box", x, y: 1, w: 5, h: 5 }, attributes: {}, source: "manual", z_order: 0 };
}

/** A server that keeps the revision and object ids, answers replays, and can be switched off. */
class FakeServer implements SaveTransport {
  revision = 0;
  objects = new Map<string, AnnotationObject>();
  answers: Record<string, unknown> = {};
  seen = new Map<string, number>();
  sent: SaveRequest[] = [];
  online = true;

  async patch(request: SaveRequest): Promise<number> {
    this.sent.push(request);
    if (!this.online) throw new SaveFailure("network", "The server cannot be reached");
    const replay = this.seen.get(request.request_id);
    if (replay !== undefined) return replay;
    if (request.base_revision !== this.revision) throw new SaveFailure("conflict", "conflict");
    for (const o of request.put) this.objects.set(o.id, { ...o } as AnnotationObject);
    for (const id of request.delete) this.objects.delete(id);
    if (request.answers !== undefined) this.answers = request.answers;
    this.revision += 1;
    this.seen.set(request.request_id, this.revision);
    return this.revision;
  }

  async current(): Promise<CurrentAnnotation> {
    return { revision: this.revision, objects: [...this.objects.values()], answers: this.answers };
  }
}

function setup(server = new FakeServer(), store = new MemoryStore()) {
  const doc = new AnnotationDocument();
  let n = 0;
  const saver = new AutoSaver({
    doc,
    transport: server,
    store,
    revision: server.revision,
    answers: {},
    newRequestId: () => `r${++n}`,
    debounceMs: 300,
    retryMs: [1000, 5000],
  });
  doc.on(() => saver.changed());
  return { doc, saver, server, store };
}

describe("autosave", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("saves a change after the debounce, as an incremental PATCH, and keeps the revision", async () => {
    const { doc, saver, server } = setup();
    doc.apply([{ id: "a", before: null, after: box("a", 1) }]);
    expect(saver.state).toBe("unsaved");
    expect(saver.hasUnsaved()).toBe(true);
    await vi.advanceTimersByTimeAsync(299);
    expect(server.sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.sent).toHaveLength(1);
    expect(server.sent[0]).toMatchObject({ request_id: "r1", base_revision: 0, delete: [] });
    expect(server.sent[0]?.put.map((o) => o.id)).toEqual(["a"]);
    expect(saver.state).toBe("saved");
    expect(saver.revision).toBe(1);
    expect(saver.hasUnsaved()).toBe(false);

    doc.apply([{ id: "a", before: doc.get("a") ?? null, after: null }]);
    await vi.advanceTimersByTimeAsync(300);
    expect(server.sent[1]).toMatchObject({ base_revision: 1, put: [], delete: ["a"] });
    expect(saver.revision).toBe(2);
  });

  it("coalesces quick changes into one save and sends answers only when they change", async () => {
    const { doc, saver, server } = setup();
    doc.apply([{ id: "a", before: null, after: box("a", 1) }]);
    await vi.advanceTimersByTimeAsync(100);
    doc.apply([{ id: "b", before: null, after: box("b", 2) }]);
    saver.setAnswers({ weather: "sunny" });
    await vi.advanceTimersByTimeAsync(300);
    expect(server.sent).toHaveLength(1);
    expect(server.sent[0]?.put).toHaveLength(2);
    expect(server.sent[0]?.answers).toEqual({ weather: "sunny" });
    doc.apply([{ id: "b", before: doc.get("b") ?? null, after: box("b", 3) }]);
    await vi.advanceTimersByTimeAsync(300);
    expect(server.sent[1]?.answers).toBeUndefined();
  });

  it("buffers saves while offline, chains their revisions, and retries with the same ids", async () => {
    const { doc, saver, server, store } = setup();
    server.online = false;
    doc.apply([{ id: "a", before: null, after: box("a", 1) }]);
    await vi.advanceTimersByTimeAsync(300);
    expect(saver.state).toBe("offline");
    expect(store.pending.map((r) => r.request_id)).toEqual(["r1"]);
    doc.apply([{ id: "a", before: doc.get("a") ?? null, after: box("a", 9) }]);
    await vi.advanceTimersByTimeAsync(300);
    expect(store.pending.map((r) => [r.request_id, r.base_revision])).toEqual([["r1", 0], ["r2", 1]]);
    expect(saver.state).toBe("offline");
    await vi.advanceTimersByTimeAsync(1000); // first retry, still offline
    expect(server.sent.filter((r) => r.request_id === "r1")).toHaveLength(2);
    server.online = true;
    saver.retryNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(saver.state).toBe("saved");
    expect(server.revision).toBe(2);
    expect(server.objects.get("a")?.geometry).toMatchObject({ x: 9 });
    expect(store.pending).toEqual([]);
  });

  it("answers a retried request that had arrived as a replay", async () => {
    const server = new FakeServer();
    const store = new MemoryStore();
    const first = setup(server, store);
    first.doc.apply([{ id: "a", before: null, after: box("a", 1) }]);
    await vi.advanceTimersByTimeAsync(300);
    // The page died before it removed the request from the store: the next page resends it.
    store.pending = [server.sent[0] as SaveRequest];
    const second = setup(server, store);
    await second.saver.resume();
    await vi.advanceTimersByTimeAsync(0);
    expect(server.revision).toBe(1);
    expect(store.pending).toEqual([]);
    expect(second.saver.state).toBe("saved");
  });

  it("stops at a conflict; reload theirs takes the server's annotation", async () => {
    const { doc, saver, server } = setup();
    server.revision = 3;
    server.objects.set("x", box("x", 50));
    doc.apply([{ id: "a", before: null, after: box("a", 1) }]);
    await vi.advanceTimersByTimeAsync(300);
    expect(saver.state).toBe("conflict");
    doc.apply([{ id: "b", before: null, after: box("b", 2) }]);
    await vi.advanceTimersByTimeAsync(300);
    expect(server.sent).toHaveLength(1); // nothing more is sent during a conflict
    const reloaded = vi.fn();
    (saver as unknown as { options: { onReload: () => void } }).options.onReload = reloaded;
    await saver.reloadTheirs();
    expect(doc.ordered().map((o) => o.id)).toEqual(["x"]);
    expect(saver.revision).toBe(3);
    expect(saver.state).toBe("saved");
    expect(saver.hasUnsaved()).toBe(false);
    expect(reloaded).toHaveBeenCalled();
  });

  it("keep mine re-applies this page's changes on top of the current revision", async () => {
    const { doc, saver, server } = setup();
    server.objects.set("x", box("x", 50));
    server.objects.set("gone", box("gone", 60));
    server.revision = 3;
    doc.load([box("gone", 60)]);
    doc.apply([{ id: "a", before: null, after: box("a", 1) }]);
    doc.apply([{ id: "gone", before: doc.get("gone") ?? null, after: null }]);
    saver.setAnswers({ q: "yes" });
    await vi.advanceTimersByTimeAsync(300);
    expect(saver.state).toBe("conflict");
    await saver.keepMine();
    await vi.advanceTimersByTimeAsync(0);
    expect(saver.state).toBe("saved");
    expect(saver.revision).toBe(4);
    const last = server.sent[server.sent.length - 1];
    expect(last).toMatchObject({ base_revision: 3, delete: ["gone"], answers: { q: "yes" } });
    expect([...server.objects.keys()].sort()).toEqual(["a", "x"]);
    expect(doc.ordered().map((o) => o.id).sort()).toEqual(["a", "x"]);
  });

  it("reports a refused save as an error without retrying", async () => {
    const server = new FakeServer();
    server.patch = async (r) => {
      server.sent.push(r);
      throw new SaveFailure("refused", "put[0].geometry: outside the image");
    };
    const { doc, saver } = setup(server);
    doc.apply([{ id: "a", before: null, after: box("a", 1) }]);
    await vi.advanceTimersByTimeAsync(300);
    expect(saver.state).toBe("error");
    expect(saver.message).toContain("outside the image");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(server.sent).toHaveLength(1);
  });
});

describe("active time", () => {
  it("counts time between inputs, capped at the idle limit, none across a pause", () => {
    let t = 0;
    const time = new ActiveTime(() => t, 30);
    time.touch();
    t = 5;
    time.touch();
    t = 100;
    time.touch(); // 95 s gap counts 30
    expect(time.take()).toBe(35);
    time.pause();
    t = 200;
    time.touch();
    expect(time.take()).toBe(0);
  });
});

describe("instruction", () => {
  it("reads classes, attributes with defaults, questions and skeletons", () => {
    const instruction = parseInstruction({
      classes: [
        { key: "car", name: "Car", color: "#ff0000", tool: "box", hotkey: "1", attributes: [
          { key: "colour", name: "Colour", type: "single_choice", choices: [{ key: "red", name: "Red" }], default: "red" },
          { key: "n", name: "N", type: "number", min: 0, max: 5 },
        ] },
        { key: "person", name: "Person", color: "#00ff00", tool: "skeleton", skeleton: "body" },
        { key: "odd", name: "Odd", color: "#000000", tool: "laser" },
      ],
      questions: [{ key: "weather", text: "Weather?", type: "multiple_choice", choices: [{ key: "sun", name: "Sun" }], hotkeys: { sun: "s" } }],
      skeletons: [{ key: "body", name: "Body", keypoints: [{ key: "head", name: "Head", default_x: 0.5, default_y: 0.1 }], edges: [] }],
    });
    expect(instruction.classes.map((c) => c.key)).toEqual(["car", "person"]);
    expect(defaultValues(instruction.classes[0]?.attributes ?? [])).toEqual({ colour: "red" });
    expect(instruction.classes[0]?.attributes[1]).toMatchObject({ type: "number", min: 0, max: 5 });
    expect(instruction.questions[0]).toMatchObject({ type: "multiple_choice", hotkeys: { sun: "s" }, label: "Weather?" });
    expect(instruction.skeletons[0]?.keypoints[0]).toMatchObject({ key: "head", default_y: 0.1 });
  });
});

describe("stored saves", () => {
  it("are sent before the item is read; conflicts are dropped, offline keeps them", async () => {
    const { drainStored } = await import("./autosave");
    const server = new FakeServer();
    const store = new MemoryStore();
    const put = [{ id: "a", class: "car", geometry: { type: "box" as const, x: 1, y: 1, w: 2, h: 2 }, attributes: {}, source: "manual" as const, z_order: 0 }];
    store.pending = [
      { request_id: "s1", base_revision: 0, put, delete: [], time_spent: 0 },
      { request_id: "s2", base_revision: 5, put: [], delete: ["a"], time_spent: 0 },
    ];
    server.online = false;
    expect(await drainStored(store, server)).toEqual({ sent: 0, dropped: 0, offline: true });
    expect(store.pending).toHaveLength(2);
    server.online = true;
    expect(await drainStored(store, server)).toEqual({ sent: 1, dropped: 1, offline: false });
    expect(store.pending).toEqual([]);
    expect(server.objects.has("a")).toBe(true);
  });
});

describe("settled", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("waits for a pending change to be saved before an item is read again", async () => {
    const { doc, saver, server } = setup();
    doc.apply([{ id: "a", before: null, after: box("a", 1) }]);
    let done = false;
    void saver.settled().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(100);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(300);
    expect(done).toBe(true);
    expect(server.revision).toBe(1);
  });
});
