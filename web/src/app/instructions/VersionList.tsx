// The versions of an instruction in the builder: number, author, time, and how many projects
// pin each. Opening one shows it; an older one opens read-only until a new version is
// started from it.

import type { Schemas } from "../../api/client";
import { formatTime } from "../format";

type Version = Schemas["VersionSummaryOut"];

interface Props {
  readonly versions: readonly Version[];
  /** The version on screen, or null while none is. */
  readonly shown: number | null;
  readonly onOpen: (version: number) => void;
}

/** One row per version, newest first. */
export function VersionList({ versions, shown, onOpen }: Props) {
  return (
    <div className="panel versions-panel" aria-label="Versions" role="region">
      <h2>Versions</h2>
      <table className="compact">
        <tbody>
          {versions.map((version) => (
            <tr key={version.version} className={version.version === shown ? "current" : ""}>
              <td>
                <button type="button" className="small" aria-current={version.version === shown} onClick={() => onOpen(version.version)}>
                  v{version.version}
                </button>
              </td>
              <td>{version.created_by_name ?? "—"}</td>
              <td>{formatTime(version.created_at)}</td>
              <td data-testid={`pins-v${version.version}`}>
                {version.pinned_by === 0 ? (
                  <span className="muted">not pinned</span>
                ) : (
                  `pinned by ${version.pinned_by} project${version.pinned_by === 1 ? "" : "s"}`
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
