import { type FormEvent, useCallback, useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { type ApiError, ok, type Schemas } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";
import { ListFooter } from "../components/ListFooter";
import { ProblemAlert } from "../components/ProblemAlert";
import { JobStatus } from "../datasets/JobStatus";
import type { Job } from "../datasets/useJob";
import { formatBytes, formatTime } from "../format";
import { usePagedList } from "../hooks/usePagedList";
import { itemFilter, parseFilter, STATES } from "./filters";

/** The project's items counted by state (`GET /api/projects/{id}/progress`, one grouped query). */
export function useProgress(projectId: number, version = 0): { progress: Schemas["ProgressOut"] | null; error: ApiError | null } {
  const [progress, setProgress] = useState<Schemas["ProgressOut"] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    let live = true;
    ok(api.GET("/api/projects/{project_id}/progress", { params: { path: { project_id: projectId } } }))
      .then((found) => live && setProgress(found))
      .catch((caught: unknown) => live && setError(asApiError(caught)));
    return () => {
      live = false;
    };
  }, [projectId, version]);
  return { progress, error };
}

/** Items by state: new, in progress and done, and a bar for every workflow state. */
export function ProgressPanel({ progress, error }: { readonly progress: Schemas["ProgressOut"] | null; readonly error: ApiError | null }) {
  const total = Math.max(1, progress?.total ?? 0);
  const share = (count: number) => `${Math.round((count / total) * 100)}%`;
  return (
    <section className="panel" aria-label="Progress">
      <h2>Progress</h2>
      <ProblemAlert error={error} />
      {progress !== null && (
        <p data-testid="progress-summary">
          <strong>{progress.done.toLocaleString()}</strong> of {progress.total.toLocaleString()} done ({share(progress.done)}) ·{" "}
          {progress.in_progress.toLocaleString()} in progress · {progress.new.toLocaleString()} new
        </p>
      )}
      <div className="state-bars">
        {STATES.map((state) => {
          const count = progress?.by_state[state];
          return (
            <div key={state} style={{ display: "contents" }} data-testid={`state-${state}`}>
              <span>{state.replace("_", " ")}</span>
              <span className="state-bar">
                <span style={{ width: `${((count ?? 0) / total) * 100}%` }} />
              </span>
              <span className="number">{count === undefined ? "…" : count.toLocaleString()}</span>
            </div>
          );
        })}
      </div>
    </section>
  );
}

/** Members and their roles; adding needs the user list (organisation admins). */
export function MembersPanel({ projectId }: { readonly projectId: number }) {
  const [members, setMembers] = useState<Schemas["MemberOut"][]>([]);
  const [users, setUsers] = useState<Schemas["UserOut"][] | null>(null);
  const [usersError, setUsersError] = useState<ApiError | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [userId, setUserId] = useState("");
  const [role, setRole] = useState<Schemas["ProjectRole"]>("annotator");
  const at = { path: { project_id: projectId } };

  const load = useCallback(() => {
    ok(api.GET("/api/projects/{project_id}/members", { params: { path: { project_id: projectId } } }))
      .then((found) => setMembers(Array.isArray(found) ? found : []))
      .catch((caught: unknown) => setError(asApiError(caught)));
  }, [projectId]);

  useEffect(() => {
    load();
    ok(api.GET("/api/users", { params: { query: { limit: 500, active: true } } }))
      .then((found) => setUsers(found.items))
      .catch((caught: unknown) => setUsersError(asApiError(caught)));
  }, [load]);

  async function put(user: number, next: Schemas["ProjectRole"]) {
    setError(null);
    try {
      await ok(api.PUT("/api/projects/{project_id}/members/{user_id}", { params: { path: { ...at.path, user_id: user } }, body: { role: next } }));
      load();
    } catch (caught) {
      setError(asApiError(caught));
    }
  }

  async function remove(user: number) {
    setError(null);
    try {
      await ok(api.DELETE("/api/projects/{project_id}/members/{user_id}", { params: { path: { ...at.path, user_id: user } } }));
      load();
    } catch (caught) {
      setError(asApiError(caught));
    }
  }

  function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (userId !== "") void put(Number(userId), role).then(() => setUserId(""));
  }

  const candidates = (users ?? []).filter((user) => !members.some((member) => member.user_id === user.id));
  return (
    <section className="panel" aria-label="Members" role="region">
      <h2>Members</h2>
      <ProblemAlert error={error} />
      <table className="compact">
        <thead>
          <tr>
            <th>User</th>
            <th>Role</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {members.map((member) => (
            <tr key={member.user_id}>
              <td>
                {member.name || member.email} <span className="muted">{member.email}</span>
              </td>
              <td>
                <select aria-label={`Role of ${member.email}`} value={member.role} onChange={(event) => void put(member.user_id, event.target.value as Schemas["ProjectRole"])}>
                  <option value="annotator">annotator</option>
                  <option value="reviewer">reviewer</option>
                  <option value="admin">admin</option>
                </select>
              </td>
              <td>
                <button type="button" className="secondary small" onClick={() => void remove(member.user_id)}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {usersError !== null ? (
        <p className="muted">{usersError.status === 403 ? "Only organisation admins can pick users to add." : usersError.detail}</p>
      ) : (
        <form className="inline-form" onSubmit={add}>
          <select aria-label="User to add" value={userId} onChange={(event) => setUserId(event.target.value)}>
            <option value="">Add a user…</option>
            {candidates.map((user) => (
              <option key={user.id} value={user.id}>
                {user.name || user.email} ({user.email})
              </option>
            ))}
          </select>
          <select aria-label="Role to give" value={role} onChange={(event) => setRole(event.target.value as Schemas["ProjectRole"])}>
            <option value="annotator">annotator</option>
            <option value="reviewer">reviewer</option>
            <option value="admin">admin</option>
          </select>
          <button type="submit" className="small" disabled={userId === ""}>
            Add member
          </button>
        </form>
      )}
    </section>
  );
}

/** The project's items, filtered by state, class and annotator (all must hold). */
export function ItemsPanel({ projectId, progress }: { readonly projectId: number; readonly progress: Schemas["ProgressOut"] | null }) {
  const [state, setState] = useState("");
  const [className, setClassName] = useState("");
  const [annotator, setAnnotator] = useState("");
  const [applied, setApplied] = useState<string | null>(null);
  const fetchPage = useCallback(
    (cursor: string | null) => ok(api.GET("/api/projects/{project_id}/items", { params: { path: { project_id: projectId }, query: { filter: applied, limit: 100, cursor } } })),
    [projectId, applied],
  );
  const list = usePagedList(fetchPage);
  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const filter = itemFilter({ state, className, annotator });
    setApplied(filter === null ? null : JSON.stringify(filter));
  }
  return (
    <section className="panel" aria-label="Items" role="region">
      <h2>Items</h2>
      <form className="filters" onSubmit={apply}>
        <div className="field">
          <label htmlFor="filter-state">State</label>
          <select id="filter-state" value={state} onChange={(event) => setState(event.target.value)}>
            <option value="">Any</option>
            {STATES.map((item) => (
              <option key={item} value={item}>
                {item.replace("_", " ")}
                {progress === null ? "" : ` (${(progress.by_state[item] ?? 0).toLocaleString()})`}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-class">Class present (key)</label>
          <input id="filter-class" value={className} onChange={(event) => setClassName(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="filter-annotator">Annotator (user id)</label>
          <input id="filter-annotator" value={annotator} onChange={(event) => setAnnotator(event.target.value)} />
        </div>
        <div className="field">
          <button type="submit">Apply filters</button>
        </div>
      </form>
      <ProblemAlert error={list.error} />
      <table className="compact">
        <thead>
          <tr>
            <th>Item</th>
            <th>State</th>
            <th className="number">Objects</th>
            <th>Updated</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.items.map((item) => (
            <tr key={item.id}>
              <td>
                <code>{item.folder === "" ? item.name : `${item.folder}/${item.name}`}</code> <span className="muted">{item.kind}</span>
              </td>
              <td>{item.state}</td>
              <td className="number">{item.object_count}</td>
              <td>{formatTime(item.updated_at)}</td>
              <td>
                <Link to={`/projects/${projectId}/items/${item.id}`}>open</Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ListFooter count={list.items.length} loading={list.loading} hasMore={list.hasMore} onLoadMore={list.loadMore} noun="items" />
    </section>
  );
}

/** Start an export, follow its job and files, then download it whole. */
export function ExportPanel({ projectId }: { readonly projectId: number }) {
  const [format, setFormat] = useState<"json" | "coco" | "masks">("json");
  const [filterText, setFilterText] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const [finished, setFinished] = useState<Job | null>(null);
  const [files, setFiles] = useState<Schemas["ExportFilesOut"] | null>(null);

  useEffect(() => {
    if (job === null) return undefined;
    let live = true;
    const read = () =>
      ok(api.GET("/api/projects/{project_id}/exports/{export_id}/files", { params: { path: { project_id: projectId, export_id: job.id } } }))
        .then((found) => {
          if (!live) return;
          setFiles(found);
          if (!found.complete && found.state !== "failed" && found.state !== "cancelled") timer = setTimeout(read, 700);
        })
        .catch(() => undefined);
    let timer = setTimeout(read, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [job, projectId]);

  async function start(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setFinished(null);
    setFiles(null);
    try {
      let filter;
      try {
        filter = parseFilter(filterText);
      } catch (problem) {
        throw asApiError(problem);
      }
      setJob(await ok(api.POST("/api/projects/{project_id}/exports", { params: { path: { project_id: projectId } }, body: { format, filter, include_revisions: false } })));
    } catch (caught) {
      setError(asApiError(caught));
    }
  }

  const base = job === null ? "" : `/api/projects/${projectId}/exports/${job.id}`;
  return (
    <section className="panel" aria-label="Export" role="region">
      <h2>Export</h2>
      <form className="filters" onSubmit={start}>
        <div className="field">
          <label htmlFor="export-format">Format</label>
          <select id="export-format" value={format} onChange={(event) => setFormat(event.target.value as "json" | "coco" | "masks")}>
            <option value="json">Pixelwise JSON</option>
            <option value="coco">COCO</option>
            <option value="masks">Masks (PNG zip)</option>
          </select>
        </div>
        <div className="field" style={{ flex: 1 }}>
          <label htmlFor="export-filter">Filter (optional item filter JSON)</label>
          <input id="export-filter" value={filterText} placeholder='{"state": ["submitted", "accepted"]}' onChange={(event) => setFilterText(event.target.value)} />
          {error?.messageFor("filter") != null && <p className="field-problem">{error.messageFor("filter")}</p>}
        </div>
        <div className="field">
          <button type="submit">Start export</button>
        </div>
      </form>
      <ProblemAlert error={error} fields={["filter"]} />
      {job !== null && <JobStatus key={job.id} start={job} onFinished={setFinished} />}
      {files !== null && files.files.length > 0 && (
        <table className="compact" aria-label="Export files">
          <thead>
            <tr>
              <th>File</th>
              <th className="number">Items</th>
              <th className="number">Objects</th>
              <th className="number">Size</th>
            </tr>
          </thead>
          <tbody>
            {files.files.map((file) => (
              <tr key={file.name}>
                <td>
                  <a href={`${base}/files/${encodeURIComponent(file.name)}`}>{file.name}</a>
                </td>
                <td className="number">{file.items}</td>
                <td className="number">{file.objects}</td>
                <td className="number">{formatBytes(file.size_bytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {finished !== null && finished.state === "done" && (
        <p>
          <a className="button" href={`${base}/download`} download>
            Download the export
          </a>
        </p>
      )}
    </section>
  );
}
