import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { type ApiError, ok, type Schemas } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";
import { ProblemAlert } from "../components/ProblemAlert";
import { assetRange, gridMetrics, needsMore, rowCount, visibleRows } from "./windowing";

type Asset = Schemas["AssetOut"];

const PAGE = 500;
const MIN_CELL = 140;
const GAP = 8;
const CAPTION = 22;

interface Props {
  readonly datasetId: number;
  readonly folder: string;
  /** Assets directly in the folder when known, so the grid is full height at once. */
  readonly expected: number | null;
}

/**
 * The assets directly in a folder as a grid of thumbnails (served through the dataset, so a
 * dataset no project uses yet shows them too). Only the rows on screen are in the page, and
 * pages of the folder are fetched as scrolling nears the end of what is loaded.
 */
export function AssetGrid({ datasetId, folder, expected }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [height, setHeight] = useState(0);
  const [scrollTop, setScrollTop] = useState(0);
  const [assets, setAssets] = useState<readonly Asset[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(true);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const generation = useRef(0);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (element === null) return undefined;
    const measure = () => {
      setWidth(element.clientWidth);
      setHeight(element.clientHeight);
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const fetchPage = useCallback(
    (from: string | null) => {
      const mine = generation.current;
      setLoading(true);
      ok(api.GET("/api/datasets/{dataset_id}/browse", { params: { path: { dataset_id: datasetId }, query: { folder, cursor: from, limit: PAGE } } }))
        .then((listing) => {
          if (mine !== generation.current) return;
          setAssets((before) => (from === null ? listing.assets.items : [...before, ...listing.assets.items]));
          setCursor(listing.assets.next_cursor);
          setHasMore(listing.assets.next_cursor !== null);
          setError(null);
        })
        .catch((caught: unknown) => {
          if (mine === generation.current) setError(asApiError(caught));
        })
        .finally(() => {
          if (mine === generation.current) setLoading(false);
        });
    },
    [datasetId, folder],
  );

  useEffect(() => {
    generation.current += 1;
    setAssets([]);
    setCursor(null);
    setHasMore(true);
    setError(null);
    scroller.current?.scrollTo({ top: 0 });
    setScrollTop(0);
    fetchPage(null);
  }, [fetchPage]);

  const metrics = gridMetrics(width, MIN_CELL, GAP, CAPTION);
  const count = hasMore ? Math.max(assets.length, expected ?? 0, assets.length + (loading ? 0 : 1)) : assets.length;
  const rows = rowCount(count, metrics.columns);
  const window = visibleRows(scrollTop, height, metrics.rowHeight, rows, 3);
  const range = assetRange(window, metrics.columns, count);

  useEffect(() => {
    if (!loading && error === null && assets.length > 0 && needsMore(range.end, assets.length, hasMore, metrics.columns * 6)) {
      fetchPage(cursor);
    }
  }, [range.end, assets.length, hasMore, loading, error, cursor, fetchPage, metrics.columns]);

  const cells = [];
  for (let index = range.start; index < range.end; index += 1) {
    const row = Math.floor(index / metrics.columns);
    const column = index % metrics.columns;
    const asset = assets[index];
    const style = {
      top: row * metrics.rowHeight,
      left: column * (metrics.cellWidth + GAP),
      width: metrics.cellWidth,
      height: metrics.cellWidth + CAPTION,
    };
    cells.push(
      asset === undefined ? (
        <div key={`slot-${index}`} className="asset-cell pending" style={style} aria-hidden="true" />
      ) : (
        <figure key={asset.id} className="asset-cell" style={style} title={`${asset.name} · ${asset.kind}${asset.width !== null ? ` · ${asset.width}×${asset.height ?? "?"}` : ""}`}>
          <div className="thumb" style={{ height: metrics.cellWidth }}>
            <img src={`/api/datasets/${datasetId}/assets/${asset.id}/thumbnail`} alt={asset.name} loading="lazy" decoding="async" />
          </div>
          <figcaption>{asset.name}</figcaption>
        </figure>
      ),
    );
  }

  return (
    <div className="asset-grid-wrap">
      <ProblemAlert error={error} />
      <div
        ref={scroller}
        className="asset-grid"
        onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
        data-testid="asset-grid"
        aria-label="Assets in this folder"
        role="region"
      >
        <div className="asset-grid-inner" style={{ height: rows * metrics.rowHeight }}>
          {cells}
        </div>
      </div>
      <p className="muted grid-footer">
        {assets.length.toLocaleString()} {hasMore ? `of ${(expected ?? assets.length).toLocaleString()}+ loaded` : `asset${assets.length === 1 ? "" : "s"} in this folder`}
        {loading && " · loading…"}
      </p>
    </div>
  );
}
