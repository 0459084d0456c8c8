import { useEffect, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { type ApiError, ok, type Schemas } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";
import { ProblemAlert } from "../components/ProblemAlert";
import { ExportPanel, ItemsPanel, MembersPanel, ProgressPanel } from "../projects/ProjectPanels";
import "../manage.css";

/** One project: progress by state, members, the filtered item list and exports. */
export function ProjectPage() {
  const projectId = Number(useParams().projectId);
  const [project, setProject] = useState<Schemas["ProjectOut"] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    ok(api.GET("/api/projects/{project_id}", { params: { path: { project_id: projectId } } }))
      .then(setProject)
      .catch((caught: unknown) => setError(asApiError(caught)));
  }, [projectId]);
  if (project === null) {
    return (
      <section>
        <h1>Project</h1>
        {error === null ? <p className="muted">Loading…</p> : <ProblemAlert error={error} />}
      </section>
    );
  }
  return (
    <section className="manage">
      <p className="back">
        <Link to="/projects">← Projects</Link>
      </p>
      <h1>{project.name}</h1>
      {project.description !== "" && <p className="muted">{project.description}</p>}
      <p>
        {project.item_count.toLocaleString()} items
        {project.dataset_id !== null && (
          <>
            {" · dataset "}
            <Link to={`/datasets/${project.dataset_id}${project.folder === "" ? "" : `?folder=${encodeURIComponent(project.folder)}`}`}>#{project.dataset_id}</Link>
            {project.folder !== "" && <> folder <code>{project.folder}</code></>}
          </>
        )}
        {project.instruction_id !== null && (
          <>
            {" · instruction "}
            <Link to={`/instructions/${project.instruction_id}`}>
              #{project.instruction_id} v{project.instruction_version}
            </Link>
          </>
        )}
      </p>
      <ProgressPanel project={project} />
      <ItemsPanel projectId={project.id} />
      <MembersPanel projectId={project.id} />
      <ExportPanel projectId={project.id} />
    </section>
  );
}
