// The arithmetic of the windowed asset grid: how many columns fit, which rows are on
// screen, and which assets they hold. Only those are rendered, so a folder of 100,000
// assets costs as much as a screenful.

export interface GridMetrics {
  /** Assets per row (at least 1). */
  readonly columns: number;
  /** Width of one cell in pixels, gaps excluded. */
  readonly cellWidth: number;
  /** Height of one row in pixels, the gap below it included. */
  readonly rowHeight: number;
}

/** How many cells of at least `minCell` px fit in `width`, and how tall a row is. */
export function gridMetrics(width: number, minCell: number, gap: number, captionHeight: number): GridMetrics {
  const usable = Math.max(width, minCell);
  const columns = Math.max(1, Math.floor((usable + gap) / (minCell + gap)));
  const cellWidth = Math.floor((usable - gap * (columns - 1)) / columns);
  return { columns, cellWidth, rowHeight: cellWidth + captionHeight + gap };
}

export interface RowWindow {
  /** First row to render. */
  readonly first: number;
  /** One past the last row to render. */
  readonly end: number;
}

/** The rows visible between `scrollTop` and `scrollTop + height`, plus `overscan` on each side. */
export function visibleRows(scrollTop: number, height: number, rowHeight: number, rowCount: number, overscan = 2): RowWindow {
  if (rowCount <= 0 || rowHeight <= 0) return { first: 0, end: 0 };
  const top = Math.max(0, scrollTop);
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const end = Math.min(rowCount, Math.ceil((top + Math.max(0, height)) / rowHeight) + overscan);
  return { first: Math.min(first, end), end };
}

/** Rows needed for `count` assets. */
export function rowCount(count: number, columns: number): number {
  return count <= 0 ? 0 : Math.ceil(count / Math.max(1, columns));
}

/** The asset indexes `[start, end)` that the rows `[first, end)` hold. */
export function assetRange(window: RowWindow, columns: number, count: number): { start: number; end: number } {
  const start = Math.min(count, window.first * columns);
  return { start, end: Math.min(count, window.end * columns) };
}

/** Whether the next page should be fetched: the window reaches within `margin` assets of what is loaded. */
export function needsMore(rangeEnd: number, loaded: number, hasMore: boolean, margin: number): boolean {
  return hasMore && rangeEnd + margin >= loaded;
}

/**
 * Assets directly in a folder: all below it (`total`) less those below its subfolders. Lets the
 * grid be as tall as the whole folder before its pages arrive.
 */
export function directCount(total: number, subfolders: readonly { readonly asset_count: number }[]): number {
  return Math.max(0, total - subfolders.reduce((sum, folder) => sum + folder.asset_count, 0));
}
