// The strip of thumbnails under the workspace header: the items around the open one, each
// marked with its state (new, in progress, submitted…); a click opens that item. Only a
// window of the list is read from the server (`/item-window`), never the whole list, and
// the arrows page by a whole strip. The strip can be collapsed (remembered on this device).

import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { useNavigate } from "react-router-dom";
import { ok, type Schemas } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";
import { shownState, SHOWN_STATE_TEXT } from "./itemStates";
import { startOpening } from "./session";
import { aroundItem, pageFrom, spanFor, type StripRequest, visibleSlice } from "./stripWindow";
import "./navigation.css";

const CELL = 84; // px per thumbnail, gap included
const COLLAPSED_KEY = "pixelwise.strip.collapsed";

type Window = Schemas["ItemWindowOut"];

function readCollapsed(): boolean {
  try {
    return localStorage.getItem(COLLAPSED_KEY) === "1";
  } catch {
    return false;
  }
}

interface Props {
  readonly projectId: number;
  readonly itemId: number;
}

/** Thumbnails of the items around `itemId`; clicking one opens it. */
export function ThumbnailStrip({ projectId, itemId }: Props) {
  const navigate = useNavigate();
  const host = useRef<HTMLDivElement>(null);
  const [collapsed, setCollapsed] = useState(readCollapsed);
  const [span, setSpan] = useState(5);
  const [request, setRequest] = useState<StripRequest>(() => aroundItem(itemId, 5));
  // (The server is asked for twice the span each side; the strip shows 2 × span + 1 of them.)
  const [shown, setShown] = useState<Window | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useLayoutEffect(() => {
    const element = host.current;
    if (element === null) return undefined;
    const measure = () => setSpan(spanFor(element.clientWidth - 80, CELL));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [collapsed]);

  // A new item, or a new width: centre on the open item again.
  useEffect(() => setRequest(aroundItem(itemId, span)), [itemId, span]);

  useEffect(() => {
    if (collapsed) return undefined;
    let live = true;
    const query = {
      ...(request.itemId === undefined ? {} : { item_id: request.itemId }),
      ...(request.position === undefined ? {} : { position: request.position }),
      before: request.before,
      after: request.after,
    };
    ok(api.GET("/api/projects/{project_id}/item-window", { params: { path: { project_id: projectId }, query } }))
      .then((found) => {
        if (!live) return;
        setShown(found);
        setProblem(null);
      })
      .catch((caught: unknown) => live && setProblem(asApiError(caught).detail));
    return () => {
      live = false;
    };
  }, [projectId, request, collapsed]);

  function toggle() {
    setCollapsed((before) => {
      try {
        localStorage.setItem(COLLAPSED_KEY, before ? "0" : "1");
      } catch {
        // private mode: the choice lasts for this page only
      }
      return !before;
    });
  }

  function open(target: number) {
    if (target === itemId) return;
    startOpening(projectId, target);
    navigate(`/projects/${projectId}/items/${target}`);
  }

  const anchorIndex = shown === null ? -1 : shown.items.findIndex((item) => item.id === shown.anchor_id);
  const visible = shown === null ? [] : visibleSlice(shown.items, anchorIndex, 2 * span + 1);
  const centre = visible[Math.floor(visible.length / 2)]?.position ?? null;
  const page = (direction: 1 | -1) => (shown === null || centre === null ? null : pageFrom(centre, shown.total, span, direction));
  const back = (visible[0]?.position ?? 1) > 1 ? page(-1) : null;
  const forward = shown !== null && (visible[visible.length - 1]?.position ?? shown.total) < shown.total ? page(1) : null;

  return (
    <div className={collapsed ? "ws-strip collapsed" : "ws-strip"} ref={host} data-testid="thumbnail-strip">
      <button type="button" className="ws-quiet ws-strip-toggle" onClick={toggle} aria-expanded={!collapsed} title={collapsed ? "Show the thumbnail strip" : "Hide the thumbnail strip"}>
        {collapsed ? "▸ Thumbnails" : "▾"}
      </button>
      {!collapsed && (
        <>
          <button type="button" className="ws-quiet ws-strip-page" disabled={back === null} onClick={() => back !== null && setRequest(back)} aria-label="Earlier items">
            ‹
          </button>
          <ol className="ws-strip-items" aria-label="Nearby items">
            {problem !== null && <li className="muted">{problem}</li>}
            {visible.map((item) => {
              const state = shownState(item);
              const current = item.id === itemId;
              return (
                <li key={item.id}>
                  <button
                    type="button"
                    className={`ws-thumb state-${state}${current ? " current" : ""}`}
                    onClick={() => open(item.id)}
                    aria-current={current ? "true" : undefined}
                    title={`${item.position}. ${item.folder === "" ? "" : `${item.folder}/`}${item.name} · ${SHOWN_STATE_TEXT[state]}`}
                    data-item-id={item.id}
                    data-state={state}
                  >
                    <img src={`/api/projects/${projectId}/assets/${item.asset_id}/thumbnail`} alt={item.name} loading="lazy" decoding="async" />
                    <span className="ws-thumb-position">{item.position}</span>
                    <span className="ws-thumb-state">{SHOWN_STATE_TEXT[state]}</span>
                  </button>
                </li>
              );
            })}
          </ol>
          <button type="button" className="ws-quiet ws-strip-page" disabled={forward === null} onClick={() => forward !== null && setRequest(forward)} aria-label="Later items">
            ›
          </button>
        </>
      )}
    </div>
  );
}
