import { type DragEvent, useRef, useState } from "react";
import type { ApiError } from "../../api/client";
import { asApiError } from "../../api/problem";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatBytes } from "../format";
import { JobStatus } from "./JobStatus";
import type { UploadFile } from "./paths";
import { droppedFiles, pickedFiles, type UploadProgress, uploadFiles } from "./upload";
import type { Job } from "./useJob";

interface Props {
  readonly datasetId: number;
  /** The dataset folder the files go into ('' for the top). */
  readonly folder: string;
  readonly onImported: () => void;
}

/** Drop files or folders, or pick them; shows the upload's bytes and then the import job. */
export function UploadPanel({ datasetId, folder, onImported }: Props) {
  const [over, setOver] = useState(false);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const [count, setCount] = useState(0);
  const abort = useRef<(() => void) | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);

  function send(files: UploadFile[]) {
    if (files.length === 0 || abort.current !== null) return;
    setError(null);
    setJob(null);
    setCount(files.length);
    const total = files.reduce((sum, item) => sum + item.file.size, 0);
    setProgress({ sent: 0, total });
    const running = uploadFiles(datasetId, files, folder, setProgress);
    abort.current = running.abort;
    running.done
      .then((started) => setJob(started))
      .catch((caught: unknown) => setError(asApiError(caught)))
      .finally(() => {
        abort.current = null;
        setProgress(null);
      });
  }

  function drop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setOver(false);
    droppedFiles(event.dataTransfer)
      .then(send)
      .catch((caught: unknown) => setError(asApiError(caught)));
  }

  const uploading = progress !== null;
  const share = progress !== null && progress.total > 0 ? progress.sent / progress.total : 0;
  return (
    <section className="panel" aria-label="Upload">
      <h2>Upload{folder !== "" && <> into <code>{folder}</code></>}</h2>
      <div
        className={`drop-zone${over ? " over" : ""}`}
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
        data-testid="drop-zone"
      >
        <p>Drop files or folders here (folders keep their tree; archives are unpacked).</p>
        <button type="button" onClick={() => fileInput.current?.click()} disabled={uploading}>
          Choose files…
        </button>{" "}
        <button type="button" onClick={() => folderInput.current?.click()} disabled={uploading}>
          Choose a folder…
        </button>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          aria-label="Files to upload"
          onChange={(event) => {
            send(pickedFiles(event.target.files));
            event.target.value = "";
          }}
        />
        <input
          ref={folderInput}
          type="file"
          hidden
          aria-label="Folder to upload"
          {...{ webkitdirectory: "", directory: "" }}
          onChange={(event) => {
            send(pickedFiles(event.target.files));
            event.target.value = "";
          }}
        />
      </div>
      {progress !== null && (
        <div className="upload-progress">
          <p>
            Uploading {count} file{count === 1 ? "" : "s"}: {formatBytes(progress.sent)} of {formatBytes(progress.total)} (
            {Math.round(share * 100)}%)
          </p>
          <progress max={1} value={share} aria-label="Upload progress" />
          <button type="button" className="secondary" onClick={() => abort.current?.()}>
            Cancel upload
          </button>
        </div>
      )}
      <ProblemAlert error={error} />
      {job !== null && <JobStatus start={job} onFinished={onImported} />}
    </section>
  );
}
