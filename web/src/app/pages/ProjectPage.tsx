import { useEffect, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { type ApiError, ok, type Schemas } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";
import { ProblemAlert } from "../components/ProblemAlert";
import { InstructionPanel } from "../projects/InstructionPanel";
import { ExportPanel, ItemsPanel, MembersPanel, ProgressPanel, useProgress } from "../projects/ProjectPanels";
import "../manage.css";

/** One project: progress by state, its instruction version, the filtered item list, members and exports. */
export function ProjectPage() {
  const projectId = Number(useParams().projectId);
  const [project, setProject] = useState<Schemas["ProjectOut"] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [version, setVersion] = useState(0);
  const counted = useProgress(projectId, version);
  useEffect(() => {
    ok(api.GET("/api/projects/{project_id}", { params: { path: { project_id: projectId } } }))
      .then(setProject)
      .catch((caught: unknown) => setError(asApiError(caught)));
  }, [projectId, version]);
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
      <ProgressPanel progress={counted.progress} error={counted.error} />
      <InstructionPanel project={project} onChanged={() => setVersion((value) => value + 1)} />
      <ItemsPanel projectId={project.id} progress={counted.progress} />
      <MembersPanel projectId={project.id} />
      <ExportPanel projectId={project.id} />
    </section>
  );
}
