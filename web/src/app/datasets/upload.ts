// Sending files to `POST /api/datasets/{id}/uploads` with XMLHttpRequest, whose upload
// progress events fetch does not offer. One multipart part per file, its file name being
// its relative path, so a dropped folder keeps its tree on the server.

import { CSRF_COOKIE, CSRF_HEADER, readCookie, type Schemas } from "../../api/client";
import { ApiError, parseProblem } from "../../api/problem";
import { entryPath, relativePathOf, type UploadFile } from "./paths";

export interface UploadProgress {
  readonly sent: number;
  readonly total: number;
}

export interface RunningUpload {
  readonly done: Promise<Schemas["JobOut"]>;
  abort(): void;
}

/** The upload URL of a dataset, with the folder to add to. */
export function uploadUrl(datasetId: number, folder: string): string {
  const query = folder === "" ? "" : `?folder=${encodeURIComponent(folder)}`;
  return `/api/datasets/${datasetId}/uploads${query}`;
}

/** Uploads the files; `onProgress` hears the bytes sent. Rejects with ApiError. */
export function uploadFiles(
  datasetId: number,
  files: readonly UploadFile[],
  folder: string,
  onProgress: (progress: UploadProgress) => void,
): RunningUpload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<Schemas["JobOut"]>((resolve, reject) => {
    const form = new FormData();
    for (const { file, path } of files) form.append("files", file, path);
    xhr.open("POST", uploadUrl(datasetId, folder));
    xhr.withCredentials = true;
    const token = readCookie(document.cookie, CSRF_COOKIE);
    if (token !== null) xhr.setRequestHeader(CSRF_HEADER, token);
    xhr.responseType = "text";
    xhr.upload.onprogress = (event) => {
      onProgress({ sent: event.loaded, total: event.lengthComputable ? event.total : 0 });
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body !== null) {
        resolve(body as Schemas["JobOut"]);
      } else {
        reject(new ApiError(parseProblem(xhr.status, body, xhr.getResponseHeader("Retry-After"))));
      }
    };
    xhr.onerror = () => reject(new ApiError(parseProblem(0, null)));
    xhr.onabort = () => reject(new ApiError(parseProblem(0, { title: "Upload cancelled", detail: "The upload was cancelled." })));
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}

/** Picked files (a file or folder picker) with their relative paths. */
export function pickedFiles(list: FileList | null): UploadFile[] {
  return Array.from(list ?? []).map((file) => ({ file, path: relativePathOf(file) }));
}

function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  // readEntries answers in batches (100 in Chrome) until it answers an empty one.
  return new Promise((resolve, reject) => {
    const found: FileSystemEntry[] = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(found);
        else {
          found.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

async function walk(entry: FileSystemEntry, into: UploadFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    into.push({ file, path: entryPath(entry.fullPath) || file.name });
  } else if (entry.isDirectory) {
    for (const child of await readAll((entry as FileSystemDirectoryEntry).createReader())) await walk(child, into);
  }
}

/** Every file dropped, folders walked, each with its path relative to what was dropped. */
export async function droppedFiles(transfer: DataTransfer): Promise<UploadFile[]> {
  const entries: FileSystemEntry[] = [];
  const loose: File[] = [];
  for (const item of Array.from(transfer.items)) {
    if (item.kind !== "file") continue;
    const entry = typeof item.webkitGetAsEntry === "function" ? item.webkitGetAsEntry() : null;
    if (entry !== null) entries.push(entry);
    else {
      const file = item.getAsFile();
      if (file !== null) loose.push(file);
    }
  }
  const found: UploadFile[] = loose.map((file) => ({ file, path: file.name }));
  for (const entry of entries) await walk(entry, found);
  return found;
}
