import { Link } from "react-router-dom";
import { ok } from "../../api/client";
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

/** The projects the user may see, with their number of work items. */
export function ProjectsPage() {
  const list = usePagedList(fetchProjects);
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
                {project.instruction_id === null
                  ? "none"
                  : `#${project.instruction_id} v${project.instruction_version ?? "?"}`}
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
