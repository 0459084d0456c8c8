import { useCallback, useEffect, useRef, useState } from "react";
import { type ApiError } from "../../api/client";
import { asApiError } from "../../api/problem";

/** One page of a cursor-paginated list (docs/api.md, "Lists"). */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next_cursor: string | null;
}

export interface PagedList<T> {
  readonly items: readonly T[];
  readonly error: ApiError | null;
  readonly loading: boolean;
  readonly hasMore: boolean;
  loadMore(): void;
  reload(): void;
}

/**
 * The pages of a list, fetched one at a time: the first on mount, each next one when
 * `loadMore` is called. `fetchPage` should be stable (defined outside the component).
 */
export function usePagedList<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>): PagedList<T> {
  const [items, setItems] = useState<readonly T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);
  const generation = useRef(0);

  const load = useCallback(
    (from: string | null) => {
      const mine = ++generation.current;
      setLoading(true);
      setError(null);
      fetchPage(from)
        .then((page) => {
          if (mine !== generation.current) return;
          setItems((before) => (from === null ? page.items : [...before, ...page.items]));
          setCursor(page.next_cursor);
          setHasMore(page.next_cursor !== null);
        })
        .catch((caught: unknown) => {
          if (mine === generation.current) setError(asApiError(caught));
        })
        .finally(() => {
          if (mine === generation.current) setLoading(false);
        });
    },
    [fetchPage],
  );

  useEffect(() => {
    load(null);
    return () => {
      generation.current += 1; // answers that arrive after unmounting are dropped
    };
  }, [load]);

  const loadMore = useCallback(() => load(cursor), [load, cursor]);
  const reload = useCallback(() => load(null), [load]);
  return { items, error, loading, hasMore, loadMore, reload };
}
