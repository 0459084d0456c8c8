import { useState } from "react";
import { type ImportReport, sortedLines } from "./importReport";

const SHOWN = 200;

/** What an import did: counts, then each failed, skipped and imported file with its reason. */
export function ImportReportView({ report }: { readonly report: ImportReport }) {
  const [all, setAll] = useState(false);
  const lines = sortedLines(report.files);
  const shown = all ? lines : lines.slice(0, SHOWN);
  return (
    <div className="import-report" aria-label="Import report">
      <p>
        <strong className="status-imported">{report.imported} imported</strong>
        {" · "}
        <span className="status-skipped">{report.skipped} skipped</span>
        {" · "}
        <span className="status-failed">{report.failed} failed</span>
      </p>
      {lines.length > 0 && (
        <table className="compact">
          <thead>
            <tr>
              <th>File</th>
              <th>Result</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((line, index) => (
              <tr key={`${line.path}-${index}`} className={`status-${line.status}`}>
                <td>
                  <code>{line.path}</code>
                </td>
                <td>{line.status}</td>
                <td>{line.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!all && lines.length > SHOWN && (
        <button type="button" className="secondary" onClick={() => setAll(true)}>
          Show all {lines.length} lines
        </button>
      )}
      {report.truncated && <p className="muted">The server lists the first 10,000 files only.</p>}
    </div>
  );
}
