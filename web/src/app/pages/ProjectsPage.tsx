import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { ok, type Schemas } from "../../api/client";
import { api } from "../api";
import "../manage.css";
import { ListFooter } from "../components/ListFooter";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatTime } from "../format";
import { usePagedList } from "../hooks/usePagedList";

const PAGE_SIZE = 50;

function fetchProjects(cursor: string | null) {
  return ok(api.GET("/api/projects", { params: { query: { limit: PAGE_SIZE, cursor } } }));
}

/** Instructions by id (the first 500: enough to name what projects pin). */
function useInstructions(): ReadonlyMap<number, Schemas["InstructionOut"]> {
  const [found, setFound] = useState<ReadonlyMap<number, Schemas["InstructionOut"]>>(new Map());
  useEffect(() => {
    let live = true;
    ok(api.GET("/api/instructions", { params: { query: { limit: 500 } } }))
      .then((page) => live && setFound(new Map(page.items.map((item) => [item.id, item]))))
      .catch(() => undefined); // the column then shows ids only
    return () => {
      live = false;
    };
  }, []);
  return found;
}

/** The projects the user may see, with their number of work items and pinned instruction version. */
export function ProjectsPage() {
  const list = usePagedList(fetchProjects);
  const instructions = useInstructions();
  return (
    <section>
      <div className="page-head">
        <h1>Projects</h1>
        <Link className="button" to="/projects/new">
          New project
        </Link>
      </div>
      <ProblemAlert error={list.error} />
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th className="number">Items</th>
            <th>Instruction</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((project) => (
            <tr key={project.id}>
              <td>
                <Link to={`/projects/${project.id}`}>
                  <strong>{project.name}</strong>
                </Link>
                {project.description !== "" && <div className="muted">{project.description}</div>}
              </td>
              <td className="number">{project.item_count.toLocaleString()}</td>
              <td>
                <PinnedVersion project={project} instruction={project.instruction_id === null ? undefined : instructions.get(project.instruction_id)} />
              </td>
              <td>{formatTime(project.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ListFooter count={list.items.length} loading={list.loading} hasMore={list.hasMore} onLoadMore={list.loadMore} noun="projects" />
    </section>
  );
}

/** "street objects v1", and a link to move the project when a later version exists. */
function PinnedVersion({ project, instruction }: { readonly project: Schemas["ProjectOut"]; readonly instruction: Schemas["InstructionOut"] | undefined }) {
  if (project.instruction_id === null) return <span className="muted">none</span>;
  const pinned = project.instruction_version ?? 0;
  const latest = instruction?.latest_version ?? pinned;
  return (
    <span data-testid={`pinned-${project.id}`}>
      {instruction?.name ?? `#${project.instruction_id}`} v{pinned}
      {latest > pinned && (
        <>
          {" · "}
          <Link to={`/projects/${project.id}#instruction`} className="muted">
            v{latest} available
          </Link>
        </>
      )}
    </span>
  );
}
