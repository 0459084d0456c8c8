// Pending saves kept in IndexedDB (through `idb`), one record per work item, so edits made
// while the server is unreachable survive a reload or a closed tab and are sent, with
// their original request ids, when the workspace opens the item again.

import { openDB, type IDBPDatabase } from "idb";
import type { OfflineStore, SaveRequest } from "./autosave";

const DATABASE = "pixelwise-workspace";
const STORE = "pending-saves";

let opened: Promise<IDBPDatabase> | null = null;

function database(): Promise<IDBPDatabase> {
  opened ??= openDB(DATABASE, 1, {
    upgrade(db) {
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE);
    },
  });
  return opened;
}

export class IndexedDbStore implements OfflineStore {
  constructor(private readonly key: string) {}

  async load(): Promise<SaveRequest[]> {
    const value: unknown = await (await database()).get(STORE, this.key);
    return Array.isArray(value) ? (value as SaveRequest[]) : [];
  }

  async save(pending: readonly SaveRequest[]): Promise<void> {
    const db = await database();
    if (pending.length === 0) await db.delete(STORE, this.key);
    else await db.put(STORE, [...pending], this.key);
  }
}

/** IndexedDB when the browser has it, else memory (tests, private modes without it). */
export function storeForItem(projectId: number, itemId: number): OfflineStore {
  if (typeof indexedDB === "undefined") {
    const pending: { value: SaveRequest[] } = { value: [] };
    return { load: async () => [...pending.value], save: async (p) => void (pending.value = [...p]) };
  }
  return new IndexedDbStore(`${projectId}/${itemId}`);
}
