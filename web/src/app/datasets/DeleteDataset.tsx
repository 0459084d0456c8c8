import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { type ApiError, ok, type Schemas } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";
import { ProblemAlert } from "../components/ProblemAlert";

interface Props {
  readonly dataset: Schemas["DatasetOut"];
  /** The projects over this dataset; null while they are being listed. */
  readonly projects: readonly Schemas["ProjectOut"][] | null;
}

/**
 * Deletes the dataset after a confirmation naming the projects that use it. The server
 * refuses while projects use it (409); the user may then detach them and delete anyway.
 */
export function DeleteDataset({ dataset, projects }: Props) {
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function remove(force: boolean) {
    setBusy(true);
    setError(null);
    try {
      await ok(api.DELETE("/api/datasets/{dataset_id}", { params: { path: { dataset_id: dataset.id }, query: { force } } }));
      navigate("/datasets");
    } catch (caught) {
      setError(asApiError(caught));
      setBusy(false);
    }
  }

  const used = projects ?? [];
  const refused = error?.status === 409;
  return (
    <section className="panel danger-zone" aria-label="Delete dataset">
      <h2>Delete dataset</h2>
      {!confirming ? (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Delete dataset…
        </button>
      ) : (
        <div role="dialog" aria-label="Confirm deletion" className="confirm">
          <p>
            Delete <strong>{dataset.name}</strong>, its {dataset.asset_count.toLocaleString()} assets and every file it owns? This cannot be undone.
          </p>
          {projects === null ? (
            <p className="muted">Looking for projects that use it…</p>
          ) : used.length === 0 ? (
            <p>No project uses this dataset.</p>
          ) : (
            <div>
              <p>
                {used.length === 1 ? "This project uses it" : `These ${used.length} projects use it`}; the server refuses to delete it while they do:
              </p>
              <ul>
                {used.map((project) => (
                  <li key={project.id}>
                    <a href={`/projects/${project.id}`}>{project.name}</a> ({project.item_count.toLocaleString()} items)
                  </li>
                ))}
              </ul>
            </div>
          )}
          <ProblemAlert error={error} />
          <button type="button" className="danger" disabled={busy} onClick={() => void remove(false)}>
            Delete
          </button>{" "}
          {(refused || used.length > 0) && (
            <button type="button" className="danger" disabled={busy} onClick={() => void remove(true)}>
              Detach the projects and delete
            </button>
          )}{" "}
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      )}
    </section>
  );
}
