// The report of an import job (docs/api.md, "Imports"): counts and one line per file.

export type FileStatus = "imported" | "skipped" | "failed";

export interface FileLine {
  readonly path: string;
  readonly status: FileStatus;
  readonly reason: string;
}

export interface ImportReport {
  readonly imported: number;
  readonly skipped: number;
  readonly failed: number;
  readonly files: readonly FileLine[];
  /** The server lists at most 10,000 lines. */
  readonly truncated: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

const STATUSES = new Set<string>(["imported", "skipped", "failed"]);

/** The report in a job's `result`; null when the result is not an import report. */
export function readImportReport(result: unknown): ImportReport | null {
  if (!isRecord(result) || !("imported" in result)) return null;
  const files: FileLine[] = [];
  if (Array.isArray(result["files"])) {
    for (const line of result["files"]) {
      if (!isRecord(line)) continue;
      const { path, status, reason } = line;
      if (typeof path !== "string" || typeof status !== "string" || !STATUSES.has(status)) continue;
      files.push({ path, status: status as FileStatus, reason: typeof reason === "string" ? reason : "" });
    }
  }
  return {
    imported: count(result["imported"]),
    skipped: count(result["skipped"]),
    failed: count(result["failed"]),
    files,
    truncated: result["files_truncated"] === true,
  };
}

/** The lines worth reading first: failures, then skips, then what was imported. */
export function sortedLines(lines: readonly FileLine[]): FileLine[] {
  const rank: Record<FileStatus, number> = { failed: 0, skipped: 1, imported: 2 };
  return [...lines].sort((a, b) => rank[a.status] - rank[b.status] || a.path.localeCompare(b.path));
}
