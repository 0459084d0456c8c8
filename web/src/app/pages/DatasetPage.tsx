import { useCallback, useEffect, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { type ApiError, ok, type Schemas } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";
import { ProblemAlert } from "../components/ProblemAlert";
import { AssetGrid } from "../datasets/AssetGrid";
import { DeleteDataset } from "../datasets/DeleteDataset";
import { ImportForms } from "../datasets/ImportForms";
import { breadcrumb, parentFolder } from "../datasets/paths";
import { UploadPanel } from "../datasets/UploadPanel";
import { directCount } from "../datasets/windowing";
import { formatBytes } from "../format";
import "../manage.css";

type Dataset = Schemas["DatasetOut"];
type Folder = Schemas["FolderOut"];
type Project = Schemas["ProjectOut"];

/** Every project the user may see (the list is short: one page of 500 is read, then the rest). */
export async function allProjects(): Promise<Project[]> {
  const found: Project[] = [];
  let cursor: string | null = null;
  do {
    const page: Schemas["PageOut_ProjectOut_"] = await ok(api.GET("/api/projects", { params: { query: { limit: 500, cursor } } }));
    found.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return found;
}

/** One dataset: its folder tree, a windowed grid of thumbnails, uploads, imports and deletion. */
export function DatasetPage() {
  const datasetId = Number(useParams().datasetId);
  const [params, setParams] = useSearchParams();
  const folder = params.get("folder") ?? "";
  const [dataset, setDataset] = useState<Dataset | null>(null);
  const [folders, setFolders] = useState<readonly Folder[]>([]);
  const [expected, setExpected] = useState<number | null>(null);
  const [projects, setProjects] = useState<Project[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [version, setVersion] = useState(0);

  const refresh = useCallback(() => setVersion((value) => value + 1), []);

  useEffect(() => {
    let live = true;
    const at = { path: { dataset_id: datasetId } };
    (async () => {
      const [found, listing] = await Promise.all([
        ok(api.GET("/api/datasets/{dataset_id}", { params: at })),
        ok(api.GET("/api/datasets/{dataset_id}/browse", { params: { ...at, query: { folder, limit: 1 } } })),
      ]);
      let total = found.asset_count;
      if (folder !== "") {
        const parent = await ok(api.GET("/api/datasets/{dataset_id}/browse", { params: { ...at, query: { folder: parentFolder(folder), limit: 1 } } }));
        total = parent.folders.find((item) => item.path === folder)?.asset_count ?? 0;
      }
      if (!live) return;
      setDataset(found);
      setFolders(listing.folders);
      setExpected(directCount(total, listing.folders));
      setError(null);
    })().catch((caught: unknown) => {
      if (live) setError(asApiError(caught));
    });
    return () => {
      live = false;
    };
  }, [datasetId, folder, version]);

  useEffect(() => {
    let live = true;
    allProjects()
      .then((all) => {
        if (live) setProjects(all.filter((project) => project.dataset_id === datasetId));
      })
      .catch(() => {
        if (live) setProjects([]);
      });
    return () => {
      live = false;
    };
  }, [datasetId, version]);

  const open = (path: string) => setParams(path === "" ? {} : { folder: path });

  if (dataset === null) {
    return (
      <section>
        <h1>Dataset</h1>
        {error === null ? <p className="muted">Loading…</p> : <ProblemAlert error={error} />}
      </section>
    );
  }

  return (
    <section className="manage">
      <p className="back">
        <Link to="/datasets">← Datasets</Link>
      </p>
      <h1>{dataset.name}</h1>
      {dataset.description !== "" && <p className="muted">{dataset.description}</p>}
      <p>
        {dataset.asset_count.toLocaleString()} assets · {formatBytes(dataset.total_bytes)}
        {projects !== null && projects.length > 0 && (
          <>
            {" · used by "}
            {projects.map((project, index) => (
              <span key={project.id}>
                {index > 0 && ", "}
                <Link to={`/projects/${project.id}`}>{project.name}</Link>
              </span>
            ))}
          </>
        )}
      </p>
      <ProblemAlert error={error} />
      <nav className="breadcrumb" aria-label="Folder">
        {breadcrumb(folder, dataset.name).map((crumb, index, all) =>
          index === all.length - 1 ? (
            <span key={crumb.path} aria-current="page">
              {crumb.name}
            </span>
          ) : (
            <span key={crumb.path}>
              <button type="button" className="link" onClick={() => open(crumb.path)}>
                {crumb.name}
              </button>
              {" / "}
            </span>
          ),
        )}
      </nav>
      {folders.length > 0 && (
        <ul className="folders" aria-label="Subfolders">
          {folders.map((item) => (
            <li key={item.path}>
              <button type="button" className="folder" onClick={() => open(item.path)}>
                📁 {item.name} <span className="muted">({item.asset_count.toLocaleString()})</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <AssetGrid
        key={`${folder}#${version}`}
        datasetId={datasetId}
        folder={folder}
        expected={expected}
      />
      <UploadPanel datasetId={datasetId} folder={folder} onImported={refresh} />
      <ImportForms key={folder} datasetId={datasetId} folder={folder} onImported={refresh} />
      <DeleteDataset dataset={dataset} projects={projects} />
    </section>
  );
}
