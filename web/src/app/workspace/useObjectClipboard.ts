// The workspace's copy (Ctrl/⌘ C), paste (Ctrl/⌘ V) and duplicate (Ctrl/⌘ D) of the
// selected objects, on the tab's clipboard (engine/clipboard.ts): copies are added as one
// undo step and selected; objects that could not be placed are named in a notice.

import { useCallback } from "react";
import { clipboard, copiesCommand, PASTE_OFFSET, type PasteResult } from "../../engine/clipboard";
import { newObjectId } from "../../engine/document";
import type { LabelClass } from "./instruction";
import type { ItemSession } from "./session";

export interface ObjectClipboardActions {
  /** Copies the selection; false when nothing is selected (the browser's copy goes on). */
  copy(): boolean;
  paste(): void;
  duplicate(): void;
}

export function useObjectClipboard(options: {
  readonly session: ItemSession | null;
  readonly projectId: number;
  readonly itemId: number;
  readonly classes: ReadonlyMap<string, LabelClass>;
  /** The slice shown (stacks), for planar shapes. */
  readonly slice: () => number | null;
  readonly onNotice: (message: string) => void;
}): ObjectClipboardActions {
  const { session, projectId, itemId, classes, slice, onNotice } = options;
  const source = `${projectId}/${itemId}`;

  const add = useCallback(
    (result: PasteResult | null) => {
      if (session === null || result === null) return;
      session.history.execute(result.command);
      if (result.ids.length > 0) session.selection.set(result.ids);
      if (result.skipped.length > 0) onNotice(`Not pasted: ${result.skipped.join("; ")}.`);
    },
    [session, onNotice],
  );

  const place = useCallback(
    () => ({
      image: { width: session?.item.width ?? 1, height: session?.item.height ?? 1 },
      newId: newObjectId,
      hasClass: (key: string) => classes.has(key),
      slice: slice(),
    }),
    [session, classes, slice],
  );

  const selected = useCallback(() => (session === null ? [] : session.doc.ordered().filter((o) => session.selection.has(o.id))), [session]);

  const copy = useCallback(() => {
    const objects = selected();
    if (objects.length === 0) return false;
    clipboard.copy(source, objects);
    return true;
  }, [selected, source]);

  const paste = useCallback(() => {
    if (session !== null) add(clipboard.paste(session.doc, source, place()));
  }, [session, source, add, place]);

  const duplicate = useCallback(() => {
    const objects = selected();
    if (session !== null && objects.length > 0) add(copiesCommand(session.doc, objects, { ...place(), offset: PASTE_OFFSET }));
  }, [session, selected, add, place]);

  return { copy, paste, duplicate };
}
