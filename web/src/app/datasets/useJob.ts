import { useEffect, useState } from "react";
import { type ApiError, ok, type Schemas } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";

export type Job = Schemas["JobOut"];

const FINISHED = new Set(["done", "failed", "cancelled"]);

/** Whether a job will not change any more. */
export function isFinished(job: Job): boolean {
  return FINISHED.has(job.state);
}

/** A job read back every `intervalMs` until it finishes; `start` is the job as first answered. */
export function useJob(start: Job | null, intervalMs = 500): { job: Job | null; error: ApiError | null } {
  const [job, setJob] = useState<Job | null>(start);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    setJob(start);
    setError(null);
    if (start === null || isFinished(start)) return undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () => {
      ok(api.GET("/api/jobs/{job_id}", { params: { path: { job_id: start.id } } }))
        .then((current) => {
          if (stopped) return;
          setJob(current);
          if (!isFinished(current)) timer = setTimeout(poll, intervalMs);
        })
        .catch((caught: unknown) => {
          if (stopped) return;
          setError(asApiError(caught));
          timer = setTimeout(poll, intervalMs * 4);
        });
    };
    timer = setTimeout(poll, intervalMs);
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [start, intervalMs]);
  return { job, error };
}
