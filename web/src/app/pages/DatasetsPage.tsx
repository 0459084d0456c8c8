import { useState } from "react";
import { Link } from "react-router-dom";
import { ok } from "../../api/client";
import { api } from "../api";
import { NewDatasetForm } from "../datasets/NewDatasetForm";
import { ListFooter } from "../components/ListFooter";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatBytes, formatTime } from "../format";
import { usePagedList } from "../hooks/usePagedList";

const PAGE_SIZE = 50;

function fetchDatasets(cursor: string | null) {
  return ok(api.GET("/api/datasets", { params: { query: { limit: PAGE_SIZE, cursor } } }));
}

/** Every dataset with its number of assets and their size. */
export function DatasetsPage() {
  const list = usePagedList(fetchDatasets);
  const [creating, setCreating] = useState(false);
  return (
    <section>
      <div className="page-head">
        <h1>Datasets</h1>
        {!creating && (
          <button type="button" onClick={() => setCreating(true)}>
            New dataset
          </button>
        )}
      </div>
      {creating && <NewDatasetForm onCancel={() => setCreating(false)} />}
      <ProblemAlert error={list.error} />
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th className="number">Assets</th>
            <th className="number">Size</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((dataset) => (
            <tr key={dataset.id}>
              <td>
                <Link to={`/datasets/${dataset.id}`}>
                  <strong>{dataset.name}</strong>
                </Link>
                {dataset.description !== "" && <div className="muted">{dataset.description}</div>}
              </td>
              <td className="number">{dataset.asset_count.toLocaleString()}</td>
              <td className="number">{formatBytes(dataset.total_bytes)}</td>
              <td>{formatTime(dataset.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ListFooter count={list.items.length} loading={list.loading} hasMore={list.hasMore} onLoadMore={list.loadMore} noun="datasets" />
    </section>
  );
}
