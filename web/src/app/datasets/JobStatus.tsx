import { useEffect, useRef } from "react";
import { ProblemAlert } from "../components/ProblemAlert";
import { readImportReport } from "./importReport";
import { ImportReportView } from "./ImportReportView";
import { isFinished, type Job, useJob } from "./useJob";

interface Props {
  readonly start: Job;
  /** Called once when the job has finished (done, failed or cancelled). */
  readonly onFinished?: (job: Job) => void;
}

/** A running job's progress bar and message; an import's report once it is done. */
export function JobStatus({ start, onFinished }: Props) {
  const { job, error } = useJob(start);
  const told = useRef(false);
  useEffect(() => {
    if (job !== null && isFinished(job) && !told.current) {
      told.current = true;
      onFinished?.(job);
    }
  }, [job, onFinished]);
  if (job === null) return null;
  const { done, total, message } = job.progress;
  const report = job.state === "done" ? readImportReport(job.result) : null;
  return (
    <div className="job" aria-label={`Job ${job.id}`} data-state={job.state}>
      <p>
        Job #{job.id}: <strong className={`job-${job.state}`}>{job.state}</strong>
        {message !== "" && <span className="muted"> — {message}</span>}
      </p>
      {!isFinished(job) && (
        <progress max={total > 0 ? total : undefined} value={total > 0 ? done : undefined} aria-label="Job progress">
          {done}
        </progress>
      )}
      {job.state === "failed" && <div className="problem">{job.error ?? "The job failed."}</div>}
      <ProblemAlert error={error} />
      {report !== null && <ImportReportView report={report} />}
    </div>
  );
}
