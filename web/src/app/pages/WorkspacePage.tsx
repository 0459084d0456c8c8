import { useEffect, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { ApiError, ok } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";
import { ProblemAlert } from "../components/ProblemAlert";
import { parseInstruction } from "../workspace/instruction";
import { ItemWindows } from "../workspace/itemWindows";
import { ItemWorkspace, type ProjectSetup } from "../workspace/Workspace";
import "../workspace/workspace.css";

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
  const items = new ItemWindows(async (anchor, span) => {
    const query = { ...("itemId" in anchor ? { item_id: anchor.itemId } : { position: anchor.position }), before: span, after: span };
    try {
      return await ok(api.GET("/api/projects/{project_id}/item-window", { params: { path: { project_id: projectId }, query } }));
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 404) return null; // not an item of this project
      throw caught;
    }
  });
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
