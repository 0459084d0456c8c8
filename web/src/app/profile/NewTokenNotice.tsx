import { useState } from "react";
import type { Schemas } from "../../api/client";

interface Props {
  readonly created: Schemas["NewTokenOut"];
  readonly onDismiss: () => void;
}

/** The secret of a token just created: shown this once. */
export function NewTokenNotice({ created, onDismiss }: Props) {
  const [copied, setCopied] = useState(false);

  async function copy() {
    await navigator.clipboard.writeText(created.token);
    setCopied(true);
  }

  return (
    <div className="notice" role="status">
      <p>
        Token <strong>{created.info.name}</strong> created. Copy it now: it is not shown again. Send it as{" "}
        <code>Authorization: Bearer &lt;token&gt;</code>.
      </p>
      <p>
        <code className="secret" data-testid="new-token">
          {created.token}
        </code>
      </p>
      <button type="button" onClick={() => void copy()}>
        {copied ? "Copied" : "Copy"}
      </button>{" "}
      <button type="button" onClick={onDismiss}>
        Done
      </button>
    </div>
  );
}
