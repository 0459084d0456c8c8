// Everything one open work item needs, without React: the document, history, selection,
// autosave with its transport and offline store, active time (the item's and each
// object's), the hidden/locked view flags kept on this device. `openItem` reads the item
// (after sending saves an earlier page left behind) and builds it.

import { ok, type Schemas } from "../../api/client";
import { asApiError } from "../../api/problem";
import { AnnotationDocument, fromServer, type ObjectPayload } from "../../engine/document";
import { History } from "../../engine/history";
import { Selection } from "../../engine/selection";
import { api } from "../api";
import { ActiveTime } from "./activeTime";
import { AutoSaver, drainStored, SaveFailure, type CurrentAnnotation, type SaveRequest, type SaveTransport } from "./autosave";
import { trackObjectTime, type ObjectTime } from "./objectTime";
import { storeForItem } from "./offlineStore";
import { localStore, rememberFlags, restoreFlags, viewFlagsKey } from "./viewFlags";

export interface ItemSession {
  readonly item: Schemas["ItemOut"];
  readonly doc: AnnotationDocument;
  readonly history: History;
  readonly selection: Selection;
  readonly saver: AutoSaver;
  readonly time: ActiveTime;
  readonly objectTime: ObjectTime;
  /** Saves an earlier page had buffered, dropped because they no longer applied. */
  readonly dropped: number;
}

/** Savers of items opened in this tab, so reopening an item waits for its last saves. */
const live = new Map<string, AutoSaver>();

const NETWORK = new Set([0, 502, 503, 504]);

export function transportFor(projectId: number, itemId: number): SaveTransport {
  const path = { project_id: projectId, item_id: itemId };
  return {
    async patch(request: SaveRequest): Promise<number> {
      try {
        // The engine's payload is the server's AnnotationPatchIn; openapi-fetch cannot take
        // the schema's `track_id?: null` as it is, hence the cast.
        const body: Schemas["AnnotationPatchIn"] = request as unknown as Schemas["AnnotationPatchIn"];
        const answer = await ok(api.PATCH("/api/projects/{project_id}/items/{item_id}/annotation", { params: { path }, body: body as never }));
        return answer.revision;
      } catch (caught) {
        const error = asApiError(caught);
        if (NETWORK.has(error.status)) throw new SaveFailure("network", error.detail);
        if (error.status === 409) throw new SaveFailure("conflict", error.detail);
        throw new SaveFailure("refused", error.field === null ? error.detail : `${error.field}: ${error.detail}`);
      }
    },
    async current(): Promise<CurrentAnnotation> {
      const annotation = await ok(api.GET("/api/projects/{project_id}/items/{item_id}/annotation", { params: { path } }));
      return { revision: annotation.revision, objects: annotation.objects as unknown as ObjectPayload[], answers: annotation.answers };
    },
  };
}

export async function openItem(projectId: number, itemId: number): Promise<ItemSession> {
  const key = `${projectId}/${itemId}`;
  await live.get(key)?.settled();
  const transport = transportFor(projectId, itemId);
  const store = storeForItem(projectId, itemId);
  // The item is read while the store is checked; saves a previous page left behind (rare)
  // are sent first and the annotation read again after them.
  const stored = store.load().catch(() => []);
  const reading = Promise.all([
    ok(api.GET("/api/projects/{project_id}/items/{item_id}", { params: { path: { project_id: projectId, item_id: itemId } } })),
    transport.current(),
  ]);
  reading.catch(() => undefined);
  let drained = { sent: 0, dropped: 0, offline: false };
  let [item, annotation] = await reading;
  if ((await stored).length > 0) {
    drained = await drainStored(store, transport);
    annotation = await transport.current();
    item = { ...item, revision: annotation.revision };
  }
  const doc = new AnnotationDocument(annotation.objects.map(fromServer));
  const history = new History(doc);
  const selection = new Selection();
  const time = new ActiveTime();
  const objectTime = trackObjectTime(time, doc, selection);
  const saver = new AutoSaver({
    doc,
    transport,
    store,
    revision: annotation.revision,
    answers: annotation.answers,
    takeTime: () => time.take(),
    takeObjectTime: (id) => objectTime.take(id),
    onReload: () => {
      history.clear();
      selection.clear();
    },
  });
  const flagsKey = viewFlagsKey(projectId, itemId);
  restoreFlags(doc, localStore(), flagsKey);
  doc.on((_changes, kind) => {
    if (kind === "flags") {
      rememberFlags(doc, localStore(), flagsKey);
      return;
    }
    if (kind === "load") restoreFlags(doc, localStore(), flagsKey);
    saver.changed();
  });
  live.set(key, saver);
  if (drained.offline) await saver.resume(); // still unreachable: keep retrying them
  return { item, doc, history, selection, saver, time, objectTime, dropped: drained.dropped };
}

const opening = new Map<string, Promise<ItemSession>>();

/** Starts reading an item the user is about to open (Next/Previous), so its requests go
 * out at the click instead of after the page has re-rendered. */
export function startOpening(projectId: number, itemId: number): void {
  const key = `${projectId}/${itemId}`;
  if (opening.has(key)) return;
  const pending = openItem(projectId, itemId);
  pending.catch(() => undefined);
  opening.set(key, pending);
}

/** The item's session: the one `startOpening` began, else a fresh read. */
export function takeOpening(projectId: number, itemId: number): Promise<ItemSession> {
  const key = `${projectId}/${itemId}`;
  const pending = opening.get(key);
  opening.delete(key);
  return pending ?? openItem(projectId, itemId);
}
