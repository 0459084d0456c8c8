// "Jump to item" in the workspace header: type a position ("1234") and press Enter to open
// that item, or a part of a file name to pick among the matching items (with positions).
// The server finds both (`/item-window?position=`, `/item-search?name=`), so nothing here
// reads the whole item list.

import { type FormEvent, useState } from "react";
import { useNavigate } from "react-router-dom";
import { ok, type Schemas } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";
import { parseJump } from "./itemStates";
import { startOpening } from "./session";
import "./navigation.css";

type Found = Schemas["PlacedItemOut"];

/** A field that opens an item by position or file name. */
export function JumpToItem({ projectId }: { readonly projectId: number }) {
  const navigate = useNavigate();
  const [text, setText] = useState("");
  const [found, setFound] = useState<readonly Found[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function open(itemId: number) {
    setFound(null);
    setText("");
    startOpening(projectId, itemId);
    navigate(`/projects/${projectId}/items/${itemId}`);
  }

  async function jump(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const wanted = parseJump(text);
    if (wanted === null) return;
    setBusy(true);
    setProblem(null);
    setFound(null);
    const path = { project_id: projectId };
    try {
      if ("position" in wanted) {
        const at = await ok(api.GET("/api/projects/{project_id}/item-window", { params: { path, query: { position: wanted.position, before: 0, after: 0 } } }));
        open(at.anchor_id);
      } else {
        const result = await ok(api.GET("/api/projects/{project_id}/item-search", { params: { path, query: { name: wanted.name, limit: 20 } } }));
        const [only] = result.items;
        if (result.items.length === 1 && only !== undefined) open(only.id);
        else if (result.items.length === 0) setProblem(`No item's file name contains “${wanted.name}”.`);
        else setFound(result.items);
      }
    } catch (caught) {
      setProblem(asApiError(caught).detail);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="ws-jump" onSubmit={(event) => void jump(event)} role="search">
      <input
        type="search"
        aria-label="Jump to item (number or file name)"
        placeholder="Go to #, name…"
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          setProblem(null);
        }}
        onKeyDown={(event) => {
          if (event.key === "Escape") {
            setFound(null);
            setProblem(null);
            event.currentTarget.blur();
          }
        }}
      />
      <button type="submit" className="ws-quiet" disabled={busy || text.trim() === ""}>
        Go
      </button>
      {(problem !== null || found !== null) && (
        <div className="ws-jump-results" role={problem !== null ? "alert" : undefined}>
          {problem !== null && <p>{problem}</p>}
          {found !== null && (
            <ul aria-label="Matching items">
              {found.map((item) => (
                <li key={item.id}>
                  <button type="button" onClick={() => open(item.id)}>
                    <span className="ws-jump-position">{item.position}</span> {item.folder === "" ? "" : `${item.folder}/`}
                    {item.name}
                  </button>
                </li>
              ))}
              {found.length >= 20 && <li className="muted">The first 20 matches; type more of the name to narrow them.</li>}
            </ul>
          )}
        </div>
      )}
    </form>
  );
}
