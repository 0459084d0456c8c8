interface Props {
  readonly count: number;
  readonly loading: boolean;
  readonly hasMore: boolean;
  readonly onLoadMore: () => void;
  /** What the list holds, plural: "datasets". */
  readonly noun: string;
}

/** Below a paged list: "load more" while the server has more, else how many there are. */
export function ListFooter({ count, loading, hasMore, onLoadMore, noun }: Props) {
  if (loading) return <p className="list-footer">Loading…</p>;
  if (hasMore) {
    return (
      <p className="list-footer">
        <button type="button" onClick={onLoadMore}>
          Load more
        </button>
      </p>
    );
  }
  return <p className="list-footer muted">{count === 0 ? `No ${noun} yet.` : `All ${count} ${noun} shown.`}</p>;
}
