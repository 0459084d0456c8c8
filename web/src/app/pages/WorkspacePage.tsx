import { useEffect, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { ok } from "../../api/client";
import { asApiError, type ApiError } from "../../api/problem";
import { api } from "../api";
import { ProblemAlert } from "../components/ProblemAlert";
import { parseInstruction } from "../workspace/instruction";
import { ItemList } from "../workspace/itemList";
import { ItemWorkspace, type ProjectSetup } from "../workspace/Workspace";
import "../workspace/workspace.css";

const PAGE = 1000;

async function loadSetup(projectId: number): Promise<ProjectSetup> {
  const project = await ok(api.GET("/api/projects/{project_id}", { params: { path: { project_id: projectId } } }));
  let document: unknown = {};
  if (project.instruction_id !== null && project.instruction_version !== null) {
    const version = await ok(
      api.GET("/api/instructions/{instruction_id}/versions/{version}", {
        params: { path: { instruction_id: project.instruction_id, version: project.instruction_version } },
      }),
    );
    document = version.document;
  }
  const items = new ItemList((cursor) =>
    ok(api.GET("/api/projects/{project_id}/items", { params: { path: { project_id: projectId }, query: { limit: PAGE, cursor } } })),
  );
  return { project, instruction: parseInstruction(document), items };
}

/** The labeling workspace of one work item (route /projects/:projectId/items/:itemId). */
export function WorkspacePage() {
  const params = useParams();
  const projectId = Number(params["projectId"]);
  const itemId = Number(params["itemId"]);
  const [setup, setSetup] = useState<ProjectSetup | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    let cancelled = false;
    setSetup(null);
    setError(null);
    loadSetup(projectId)
      .then((loaded) => !cancelled && setSetup(loaded))
      .catch((caught: unknown) => !cancelled && setError(asApiError(caught)));
    return () => {
      cancelled = true;
    };
  }, [projectId]);

  if (setup === null) {
    return (
      <main className="ws-page-message">
        <ProblemAlert error={error} />
        {error === null ? <p>Loading the project…</p> : <Link to="/projects">Back to the projects</Link>}
      </main>
    );
  }
  return <ItemWorkspace key={itemId} setup={setup} itemId={itemId} />;
}
