import type { Schemas } from "../../api/client";
import { formatTime } from "../format";

interface Props {
  readonly tokens: readonly Schemas["TokenOut"][];
  readonly onRevoke: (token: Schemas["TokenOut"]) => void;
}

/** The user's API tokens, newest first, each with its state and a revoke button. */
export function TokenTable({ tokens, onRevoke }: Props) {
  if (tokens.length === 0) return <p className="muted">No API tokens yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>Name</th>
          <th>Starts with</th>
          <th>Created</th>
          <th>Expires</th>
          <th>Last used</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {tokens.map((token) => (
          <tr key={token.id} className={token.revoked_at === null ? undefined : "revoked"}>
            <td>{token.name}</td>
            <td>
              <code>{token.prefix}…</code>
            </td>
            <td>{formatTime(token.created_at)}</td>
            <td>{formatTime(token.expires_at)}</td>
            <td>{formatTime(token.last_used_at)}</td>
            <td>
              {token.revoked_at === null ? (
                <button type="button" onClick={() => onRevoke(token)} aria-label={`Revoke ${token.name}`}>
                  Revoke
                </button>
              ) : (
                `revoked ${formatTime(token.revoked_at)}`
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
