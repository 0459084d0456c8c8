// Autosave of one work item: every change is sent shortly after it happens as an
// incremental PATCH built from the document's save payload. Requests leave in order, one
// at a time; each is based on the revision the previous one produced (a save moves the
// revision by exactly one), so edits made while offline queue up as a chain that the
// server replays or applies when the connection returns. Pending requests are kept in an
// `OfflineStore` (IndexedDB in the browser) and retried with the same request id, which
// the server answers as already saved when the first attempt did arrive. A 409 stops the
// queue until the user picks "reload theirs" or "keep mine".
//
// Plain TypeScript: the workspace's React code only reads `state` and calls the methods.

import type { AnnotationDocument, ObjectPayload, SavePayload } from "../../engine/document";
import { fromServer } from "../../engine/document";

/** An object in a save, with the active seconds spent on it since its last save. */
export type SavedObject = ObjectPayload & { time_spent?: number };

export interface SaveRequest {
  readonly request_id: string;
  readonly base_revision: number;
  readonly put: SavedObject[];
  readonly delete: string[];
  readonly answers?: Record<string, unknown>;
  readonly time_spent: number;
}

export interface CurrentAnnotation {
  readonly revision: number;
  readonly objects: readonly ObjectPayload[];
  readonly answers: Record<string, unknown>;
}

/** Why a request failed: no answer (retry later), a conflict, or a refusal. */
export class SaveFailure extends Error {
  constructor(
    readonly kind: "network" | "conflict" | "refused",
    message: string,
  ) {
    super(message);
  }
}

export interface SaveTransport {
  /** Sends one PATCH; resolves with the new revision, rejects with a SaveFailure. */
  patch(request: SaveRequest): Promise<number>;
  /** The server's annotation now (for conflicts). */
  current(): Promise<CurrentAnnotation>;
}

/** Where requests wait until the server has them. */
export interface OfflineStore {
  load(): Promise<SaveRequest[]>;
  save(pending: readonly SaveRequest[]): Promise<void>;
}

export class MemoryStore implements OfflineStore {
  pending: SaveRequest[] = [];
  async load(): Promise<SaveRequest[]> {
    return [...this.pending];
  }
  async save(pending: readonly SaveRequest[]): Promise<void> {
    this.pending = [...pending];
  }
}

export type SaveState = "saved" | "unsaved" | "saving" | "offline" | "conflict" | "error";

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface AutoSaverOptions {
  readonly doc: AnnotationDocument;
  readonly transport: SaveTransport;
  readonly store: OfflineStore;
  readonly revision: number;
  readonly answers: Record<string, unknown>;
  /** Active seconds since the last call (the time tracker's `take`). */
  readonly takeTime?: () => number;
  /** Active seconds spent on one object since its last save (`ObjectTime.take`). */
  readonly takeObjectTime?: (id: string) => number;
  readonly newRequestId?: () => string;
  /** Delay between a change and its save. */
  readonly debounceMs?: number;
  /** Retry delays while offline, the last one repeated. */
  readonly retryMs?: readonly number[];
  readonly timers?: Timers;
  /** Called after the document was reloaded from the server (history must be cleared). */
  readonly onReload?: () => void;
}

const browserTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function randomRequestId(): string {
  return globalThis.crypto.randomUUID();
}

/** Seconds as the API takes them: tenths, within 0 and a day. */
function seconds(value: number): number {
  return Math.min(86_400, Math.max(0, Math.round(value * 10) / 10));
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class AutoSaver {
  state: SaveState = "saved";
  /** The last problem (offline reason, refusal), for the header. */
  message: string | null = null;
  /** The revision the server's last answer gave. */
  revision: number;
  private answersNow: Record<string, unknown>;
  private answersSent: Record<string, unknown>;
  private pending: SaveRequest[] = [];
  private sending = false;
  private debounce: unknown = null;
  private retry: unknown = null;
  private retries = 0;
  private readonly listeners = new Set<(state: SaveState) => void>();
  private readonly timers: Timers;
  private readonly debounceMs: number;
  private readonly retryMs: readonly number[];
  private readonly takeTime: () => number;
  private readonly takeObjectTime: (id: string) => number;
  private readonly newRequestId: () => string;
  private stopped = false;

  constructor(private readonly options: AutoSaverOptions) {
    this.revision = options.revision;
    this.answersNow = { ...options.answers };
    this.answersSent = { ...options.answers };
    this.timers = options.timers ?? browserTimers;
    this.debounceMs = options.debounceMs ?? 400;
    this.retryMs = options.retryMs ?? [1000, 2000, 4000, 8000];
    this.takeTime = options.takeTime ?? (() => 0);
    this.takeObjectTime = options.takeObjectTime ?? (() => 0);
    this.newRequestId = options.newRequestId ?? randomRequestId;
  }

  get answers(): Readonly<Record<string, unknown>> {
    return this.answersNow;
  }

  /** Requests not yet acknowledged by the server. */
  get queued(): readonly SaveRequest[] {
    return this.pending;
  }

  on(listener: (state: SaveState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** True while something is not on the server yet (warn before closing the tab). */
  hasUnsaved(): boolean {
    return this.pending.length > 0 || this.options.doc.isDirty() || !sameJson(this.answersNow, this.answersSent);
  }

  /** Sends requests a previous page left in the store (same ids: replays are harmless). */
  async resume(): Promise<void> {
    const stored = await this.options.store.load();
    if (stored.length === 0) return;
    this.pending = stored;
    this.pump();
  }

  setAnswers(answers: Record<string, unknown>): void {
    this.answersNow = { ...answers };
    this.changed();
  }

  /** Call on every document change: the save follows after the debounce delay. */
  changed(): void {
    if (this.stopped) return;
    if (this.state === "saved") this.set("unsaved");
    if (this.debounce !== null) this.timers.clearTimeout(this.debounce);
    this.debounce = this.timers.setTimeout(() => {
      this.debounce = null;
      void this.flush();
    }, this.debounceMs);
  }

  /** Queues what changed now (no wait) and starts sending. */
  async flush(): Promise<void> {
    if (this.debounce !== null) {
      this.timers.clearTimeout(this.debounce);
      this.debounce = null;
    }
    if (this.state === "conflict") return;
    const payload: SavePayload = this.options.doc.savePayload();
    const answersChanged = !sameJson(this.answersNow, this.answersSent);
    if (payload.put.length > 0 || payload.delete.length > 0 || answersChanged) {
      const last = this.pending[this.pending.length - 1];
      const request: SaveRequest = {
        request_id: this.newRequestId(),
        base_revision: last === undefined ? this.revision : last.base_revision + 1,
        put: payload.put.map((object) => {
          const spent = seconds(this.takeObjectTime(object.id));
          return spent > 0 ? { ...object, time_spent: spent } : object;
        }),
        delete: payload.delete,
        ...(answersChanged ? { answers: { ...this.answersNow } } : {}),
        time_spent: seconds(this.takeTime()),
      };
      this.options.doc.acknowledge(payload); // the document's next payload starts from here
      this.answersSent = { ...this.answersNow };
      this.pending.push(request);
      await this.persist();
    }
    this.pump();
    if (this.pending.length === 0 && !this.sending && this.state !== "error") this.set("saved");
  }

  /** Sends now instead of waiting for the retry timer (the browser is back online). */
  retryNow(): void {
    if (this.retry !== null) {
      this.timers.clearTimeout(this.retry);
      this.retry = null;
    }
    if (this.state === "offline" || this.state === "error") this.pump(true);
  }

  /** The conflict is settled by taking the server's annotation; unsaved edits are dropped. */
  async reloadTheirs(): Promise<void> {
    const current = await this.options.transport.current();
    this.pending = [];
    await this.persist();
    this.options.doc.load(current.objects.map(fromServer));
    this.revision = current.revision;
    this.answersNow = { ...current.answers };
    this.answersSent = { ...current.answers };
    this.options.onReload?.();
    this.set("saved");
  }

  /** The conflict is settled by applying this page's unsaved changes on top of the
   * server's current annotation and saving them as a new request. */
  async keepMine(): Promise<void> {
    const doc = this.options.doc;
    const current = await this.options.transport.current();
    const touched = new Set<string>();
    let answers: Record<string, unknown> | null = null;
    const remaining = doc.savePayload();
    for (const request of [...this.pending, remaining]) {
      for (const object of request.put) touched.add(object.id);
      for (const id of request.delete) touched.add(id);
    }
    if (this.pending.some((r) => r.answers !== undefined) || !sameJson(this.answersNow, this.answersSent)) answers = { ...this.answersNow };
    const mine = new Map([...touched].map((id) => [id, doc.get(id) ?? null] as const));
    this.pending = [];
    doc.load(current.objects.map(fromServer)); // saved := theirs
    const changes = [];
    for (const [id, after] of mine) {
      const before = doc.get(id) ?? null;
      if (before !== null || after !== null) changes.push({ id, before, after });
    }
    doc.apply(changes);
    this.revision = current.revision;
    this.answersSent = { ...current.answers };
    this.answersNow = answers ?? { ...current.answers };
    this.options.onReload?.();
    this.set("unsaved");
    await this.flush();
  }

  /** Resolves once nothing is being sent (saved, or stopped by offline, conflict or error),
   * or after `ms`; a new page for the same item waits for it before reading the item. */
  settled(ms = 5000): Promise<void> {
    const busy = () => this.sending || this.debounce !== null || (this.pending.length > 0 && (this.state === "saving" || this.state === "unsaved"));
    if (!busy()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.timers.setTimeout(done, ms);
      const off = this.on(() => {
        if (!busy()) done();
      });
      function done() {
        off();
        resolve();
      }
      void timer;
    });
  }

  /** Stops timers (the page is leaving); queued requests stay in the store. */
  dispose(): void {
    this.stopped = true;
    if (this.debounce !== null) this.timers.clearTimeout(this.debounce);
    if (this.retry !== null) this.timers.clearTimeout(this.retry);
    this.debounce = this.retry = null;
  }

  private pump(force = false): void {
    if (this.sending || this.pending.length === 0) return;
    if (!force && (this.state === "conflict" || this.retry !== null)) return;
    void this.sendHead();
  }

  private async sendHead(): Promise<void> {
    const head = this.pending[0];
    if (head === undefined) return;
    this.sending = true;
    if (this.state !== "offline") this.set("saving");
    try {
      const revision = await this.options.transport.patch(head);
      this.pending.shift();
      this.revision = revision;
      this.retries = 0;
      this.message = null;
      await this.persist();
      this.sending = false;
      if (this.pending.length > 0 && !this.stopped) {
        void this.sendHead();
        return;
      }
      this.set(this.debounce !== null || this.hasUnsaved() ? "unsaved" : "saved");
    } catch (error) {
      this.sending = false;
      const failure = error instanceof SaveFailure ? error : new SaveFailure("network", String(error));
      this.message = failure.message;
      if (failure.kind === "conflict") {
        this.set("conflict");
      } else if (failure.kind === "network") {
        this.set("offline");
        this.scheduleRetry();
      } else {
        this.set("error");
      }
    }
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = this.retryMs[Math.min(this.retries, this.retryMs.length - 1)] ?? 1000;
    this.retries += 1;
    this.retry = this.timers.setTimeout(() => {
      this.retry = null;
      this.pump(true);
    }, delay);
  }

  private async persist(): Promise<void> {
    try {
      await this.options.store.save(this.pending);
    } catch {
      // storage unavailable (private mode, quota): requests still live in memory
    }
  }

  private set(state: SaveState): void {
    if (this.state === state) {
      for (const listener of this.listeners) listener(state);
      return;
    }
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }
}

/** Sends requests an earlier page left in the store, before the item is read, so the
 * annotation read next includes them. A request refused or in conflict is dropped (and
 * counted); when the server cannot be reached they stay for the next attempt. */
export async function drainStored(store: OfflineStore, transport: SaveTransport): Promise<{ sent: number; dropped: number; offline: boolean }> {
  const stored = await store.load();
  let sent = 0;
  let dropped = 0;
  while (stored.length > 0) {
    const head = stored[0] as SaveRequest;
    try {
      await transport.patch(head);
      sent += 1;
    } catch (error) {
      if (error instanceof SaveFailure && error.kind !== "network") {
        dropped += 1;
      } else {
        await store.save(stored);
        return { sent, dropped, offline: true };
      }
    }
    stored.shift();
  }
  await store.save([]);
  return { sent, dropped, offline: false };
}
