// Which stretch of the project's item list the thumbnail strip shows. The strip asks the
// server for a window of items around an anchor (never the whole list), so it stays light
// in a project of 100 000 items: `span` items on either side of the open item, and paging
// moves the anchor by a whole strip.

export interface StripRequest {
  readonly itemId?: number;
  readonly position?: number;
  readonly before: number;
  readonly after: number;
}

/** How many thumbnails fit on either side of the centre in a strip `width` pixels wide. */
export function spanFor(width: number, cell: number, max = 40): number {
  if (!(width > 0) || !(cell > 0)) return 5;
  return Math.max(1, Math.min(max, Math.floor((Math.floor(width / cell) - 1) / 2)));
}

/** The window around the open item (twice the span each side, so the ends can be filled). */
export function aroundItem(itemId: number, span: number): StripRequest {
  return { itemId, before: Math.min(100, 2 * span), after: Math.min(100, 2 * span) };
}

/**
 * The window one strip-width further (`direction` 1) or back (-1) from the one centred on
 * `centre`, kept inside positions 1..total; null when there is nothing further that way.
 */
export function pageFrom(centre: number, total: number, span: number, direction: 1 | -1): StripRequest | null {
  if (total <= 0) return null;
  const width = 2 * span + 1;
  const target = Math.min(total, Math.max(1, centre + direction * width));
  if (target === centre) return null;
  return { position: target, before: Math.min(100, 2 * span), after: Math.min(100, 2 * span) };
}

/**
 * The `count` consecutive entries of `items` to show around `anchor` (an index into
 * `items`): centred on it, or shifted inwards at either end of the list so the strip stays
 * full. Ask the server for `count - 1` items on each side to have enough at the ends.
 */
export function visibleSlice<T>(items: readonly T[], anchor: number, count: number): readonly T[] {
  if (items.length <= count) return items;
  const start = Math.min(Math.max(0, anchor - Math.floor(count / 2)), items.length - count);
  return items.slice(start, start + count);
}
