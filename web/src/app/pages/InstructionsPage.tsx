import { Link } from "react-router-dom";
import { ok } from "../../api/client";
import { api } from "../api";
import "../manage.css";
import { ListFooter } from "../components/ListFooter";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatTime } from "../format";
import { usePagedList } from "../hooks/usePagedList";

const PAGE_SIZE = 50;

function fetchInstructions(cursor: string | null) {
  return ok(api.GET("/api/instructions", { params: { query: { limit: PAGE_SIZE, cursor } } }));
}

/** Labeling instructions and their latest version. */
export function InstructionsPage() {
  const list = usePagedList(fetchInstructions);
  return (
    <section>
      <div className="page-head">
        <h1>Instructions</h1>
        <Link className="button" to="/instructions/new">
          New instruction
        </Link>
      </div>
      <ProblemAlert error={list.error} />
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th className="number">Latest version</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((instruction) => (
            <tr key={instruction.id}>
              <td>
                <Link to={`/instructions/${instruction.id}`}>
                  <strong>{instruction.name}</strong>
                </Link>
                {instruction.description !== "" && <div className="muted">{instruction.description}</div>}
              </td>
              <td className="number">{instruction.latest_version}</td>
              <td>{formatTime(instruction.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ListFooter count={list.items.length} loading={list.loading} hasMore={list.hasMore} onLoadMore={list.loadMore} noun="instructions" />
    </section>
  );
}
