import { type FormEvent, useState } from "react";
import { type ApiError, ok } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";
import { ProblemAlert } from "../components/ProblemAlert";
import { TextField } from "../components/TextField";
import { JobStatus } from "./JobStatus";
import type { Job } from "./useJob";

type Source = "folder" | "archive" | "urls" | "dicomweb";

const SOURCES: readonly { readonly id: Source; readonly label: string }[] = [
  { id: "folder", label: "Server folder" },
  { id: "archive", label: "Server archive" },
  { id: "urls", label: "CSV of URLs" },
  { id: "dicomweb", label: "DICOMweb" },
];

interface Props {
  readonly datasetId: number;
  /** The folder shown; imports go there unless the form names another. */
  readonly folder: string;
  readonly onImported: () => void;
}

/** Imports from the server's disk, a CSV of URLs or a DICOMweb service (organisation admins). */
export function ImportForms({ datasetId, folder: shownFolder, onImported }: Props) {
  const [source, setSource] = useState<Source>("folder");
  const [path, setPath] = useState("");
  const [folder, setFolder] = useState(shownFolder);
  const [inPlace, setInPlace] = useState(false);
  const [extractFrames, setExtractFrames] = useState(false);
  const [csv, setCsv] = useState("url\n");
  const [registerOnly, setRegisterOnly] = useState(false);
  const [url, setUrl] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [job, setJob] = useState<Job | null>(null);

  async function start(): Promise<Job> {
    const at = { params: { path: { dataset_id: datasetId } } };
    switch (source) {
      case "folder":
        return ok(api.POST("/api/datasets/{dataset_id}/imports/folder", { ...at, body: { path, folder, in_place: inPlace, extract_frames: extractFrames, frame_step: 1 } }));
      case "archive":
        return ok(api.POST("/api/datasets/{dataset_id}/imports/archive", { ...at, body: { path, folder, extract_frames: extractFrames, frame_step: 1 } }));
      case "urls":
        return ok(
          api.POST("/api/datasets/{dataset_id}/imports/urls", {
            params: { path: { dataset_id: datasetId }, query: { folder, register_only: registerOnly } },
            body: csv,
            bodySerializer: (body: string) => body,
            headers: { "Content-Type": "text/csv" },
          }),
        );
      case "dicomweb":
        return ok(api.POST("/api/datasets/{dataset_id}/imports/dicomweb", { ...at, body: { url, folder } }));
    }
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setJob(null);
    try {
      setJob(await start());
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel" aria-label="Import">
      <h2>Import</h2>
      <div className="tabs" role="tablist">
        {SOURCES.map((item) => (
          <button
            key={item.id}
            type="button"
            role="tab"
            aria-selected={source === item.id}
            className={source === item.id ? "tab active" : "tab"}
            onClick={() => {
              setSource(item.id);
              setError(null);
            }}
          >
            {item.label}
          </button>
        ))}
      </div>
      <form onSubmit={submit} noValidate>
        <ProblemAlert error={error} fields={["path", "folder", "url", "in_place"]} />
        {(source === "folder" || source === "archive") && (
          <TextField label={source === "folder" ? "Folder on the server" : "Archive on the server"} name="path" value={path} onChange={setPath} error={error} />
        )}
        {source === "dicomweb" && <TextField label="WADO-RS URL (…/studies/<uid>[/series/<uid>])" name="url" value={url} onChange={setUrl} error={error} />}
        {source === "urls" && (
          <div className="field">
            <label htmlFor="import-csv">CSV (a header naming url; optional folder, name)</label>
            <textarea id="import-csv" rows={5} value={csv} onChange={(event) => setCsv(event.target.value)} />
          </div>
        )}
        <TextField label="Into dataset folder ('' for the top)" name="folder" value={folder} onChange={setFolder} error={error} />
        {source === "folder" && (
          <label className="check">
            <input type="checkbox" checked={inPlace} onChange={(event) => setInPlace(event.target.checked)} /> Register in place (never copied)
          </label>
        )}
        {(source === "folder" || source === "archive") && (
          <label className="check">
            <input type="checkbox" checked={extractFrames} onChange={(event) => setExtractFrames(event.target.checked)} /> Also extract video frames
          </label>
        )}
        {source === "urls" && (
          <label className="check">
            <input type="checkbox" checked={registerOnly} onChange={(event) => setRegisterOnly(event.target.checked)} /> Register only (serve by proxy)
          </label>
        )}
        <button type="submit" disabled={busy}>
          Start import
        </button>
      </form>
      {job !== null && <JobStatus start={job} onFinished={onImported} />}
    </section>
  );
}
