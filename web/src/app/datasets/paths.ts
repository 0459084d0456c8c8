// Dataset folder paths (`a/b/c`, '' for the top) and the relative paths of files to upload.

export interface Crumb {
  readonly name: string;
  readonly path: string;
}

/** The breadcrumb of a folder: the dataset's top, then each folder down to it. */
export function breadcrumb(folder: string, top: string): Crumb[] {
  const crumbs: Crumb[] = [{ name: top, path: "" }];
  let path = "";
  for (const part of folder.split("/").filter((name) => name !== "")) {
    path = path === "" ? part : `${path}/${part}`;
    crumbs.push({ name: part, path });
  }
  return crumbs;
}

/** The folder holding `folder`; '' for a folder at the top. */
export function parentFolder(folder: string): string {
  const at = folder.lastIndexOf("/");
  return at < 0 ? "" : folder.slice(0, at);
}

/** A file as it is sent: the part's file name is its path relative to what was picked or dropped. */
export interface UploadFile {
  readonly file: File;
  readonly path: string;
}

/** The relative path of a picked file: its place in a picked folder, else its name. */
export function relativePathOf(file: { readonly name: string; readonly webkitRelativePath?: string }): string {
  const relative = file.webkitRelativePath ?? "";
  return relative !== "" ? relative : file.name;
}

/** Strips a leading slash from a dropped entry's full path (`/trip/a.jpg` → `trip/a.jpg`). */
export function entryPath(fullPath: string): string {
  return fullPath.replace(/^\/+/, "");
}
