// The project's pinned instruction version, and moving the project to the instruction's
// latest version: the server's dry run first lists what would be migrated (or what blocks
// the move), then the move itself is one click.

import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { type ApiError, ok, type Schemas } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";
import { ProblemAlert } from "../components/ProblemAlert";

type Project = Schemas["ProjectOut"];
type Report = Schemas["InstructionChangeOut"];

interface Props {
  readonly project: Project;
  /** Called once the project pins another version. */
  readonly onChanged: () => void;
}

/** Which version the project pins; a dry run, then the move, to the latest one. */
export function InstructionPanel({ project, onChanged }: Props) {
  const [instruction, setInstruction] = useState<Schemas["InstructionOut"] | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [blocked, setBlocked] = useState<ApiError | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<Report | null>(null);
  const [busy, setBusy] = useState(false);
  const instructionId = project.instruction_id;

  useEffect(() => {
    if (instructionId === null) return undefined;
    let live = true;
    ok(api.GET("/api/instructions/{instruction_id}", { params: { path: { instruction_id: instructionId } } }))
      .then((found) => live && setInstruction(found))
      .catch((caught: unknown) => live && setError(asApiError(caught)));
    return () => {
      live = false;
    };
  }, [instructionId, project.instruction_version]);

  if (instructionId === null) {
    return (
      <section className="panel" aria-label="Instruction" role="region">
        <h2>Instruction</h2>
        <p className="muted">This project has no instruction.</p>
      </section>
    );
  }

  const pinned = project.instruction_version;
  const latest = instruction?.latest_version ?? null;
  const behind = latest !== null && pinned !== null && latest > pinned;

  async function change(dryRun: boolean) {
    if (instructionId === null || latest === null) return;
    setBusy(true);
    setError(null);
    setBlocked(null);
    try {
      const answer = await ok(
        api.POST("/api/projects/{project_id}/instruction", {
          params: { path: { project_id: project.id } },
          body: { instruction_id: instructionId, version: latest, dry_run: dryRun },
        }),
      );
      if (dryRun) setReport(answer);
      else {
        setReport(null);
        setDone(answer);
        onChanged();
      }
    } catch (caught) {
      const problem = asApiError(caught);
      if (problem.status === 409) setBlocked(problem);
      else setError(problem);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel" aria-label="Instruction" role="region" id="instruction">
      <h2>Instruction</h2>
      <p data-testid="pinned-instruction">
        <Link to={`/instructions/${instructionId}`}>{instruction?.name ?? `#${instructionId}`}</Link>, version {pinned ?? "?"}
        {latest !== null && (behind ? <span className="muted"> · version {latest} is the latest</span> : <span className="muted"> · the latest</span>)}
      </p>
      <ProblemAlert error={error} />
      {done !== null && (
        <p className="notice" role="status">
          The project now uses version {done.version}; {done.migrated_objects} object{done.migrated_objects === 1 ? "" : "s"} migrated.
        </p>
      )}
      {behind && report === null && blocked === null && (
        <button type="button" className="secondary" disabled={busy} onClick={() => void change(true)}>
          Check moving to version {latest}…
        </button>
      )}
      {report !== null && (
        <div className="dry-run" aria-label="Dry run" role="region">
          <p>Moving to version {report.version} would:</p>
          {report.changes.length === 0 ? (
            <p className="muted">change nothing in the saved work.</p>
          ) : (
            <ul>
              {report.changes.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
          <div className="actions">
            <button type="button" disabled={busy} onClick={() => void change(false)}>
              Move to version {report.version}
            </button>
            <button type="button" className="secondary" onClick={() => setReport(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {blocked !== null && (
        <div className="problem" role="alert">
          <strong>The project cannot move to version {latest} yet.</strong> What blocks it:
          <ul className="problem-list">
            {blocked.problem.fields.map((item) => (
              <li key={`${item.field}-${item.message}`}>
                <code>{item.field}</code>: {item.message}
              </li>
            ))}
          </ul>
          <button type="button" className="secondary small" onClick={() => setBlocked(null)}>
            Close
          </button>
        </div>
      )}
    </section>
  );
}
