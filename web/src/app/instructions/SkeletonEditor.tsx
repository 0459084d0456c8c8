import { type PointerEvent, useRef, useState } from "react";
import type { ApiError } from "../../api/client";
import { deriveKey, keyFor, type SkeletonDraft } from "./document";
import { PathInput, PathProblem, removed, replaced } from "./Inputs";
import { joinPath } from "./problems";

const SIZE = 220;

interface Props {
  readonly index: number;
  readonly value: SkeletonDraft;
  readonly onChange: (value: SkeletonDraft) => void;
  readonly onRemove: () => void;
  readonly error: ApiError | null;
}

/** A skeleton template: keypoints placed in a unit box (drag them), edges as pairs. */
export function SkeletonEditor({ index, value, onChange, onRemove, error }: Props) {
  const path = joinPath("skeletons", index);
  const set = (change: Partial<SkeletonDraft>) => onChange({ ...value, ...change });
  const svg = useRef<SVGSVGElement>(null);
  const [dragging, setDragging] = useState<number | null>(null);
  const [edgeA, setEdgeA] = useState("");
  const [edgeB, setEdgeB] = useState("");

  function move(event: PointerEvent<SVGSVGElement>) {
    if (dragging === null || svg.current === null) return;
    const box = svg.current.getBoundingClientRect();
    const x = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
    const y = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height));
    set({ keypoints: replaced(value.keypoints, dragging, { x, y }) });
  }

  const byKey = new Map(value.keypoints.map((point) => [point.key, point]));
  return (
    <div className="card" role="group" aria-label={`Skeleton ${index + 1}`}>
      <div className="card-head">
        <strong>Skeleton {index + 1}</strong>
        <button type="button" className="secondary small" onClick={onRemove}>
          Remove skeleton
        </button>
      </div>
      <PathProblem path={path} error={error} />
      <div className="row">
        <PathInput label="Skeleton name" path={joinPath(path, "name")} error={error} value={value.name} onChange={(name) => set({ name, key: keyFor(value, name) })} />
        <PathInput label="Skeleton key" path={joinPath(path, "key")} error={error} value={value.key} onChange={(key) => set({ key, keyEdited: key !== deriveKey(value.name) })} />
      </div>
      <div className="row">
        <svg
          ref={svg}
          className="skeleton-svg"
          viewBox={`0 0 ${SIZE} ${SIZE}`}
          onPointerMove={move}
          onPointerUp={() => setDragging(null)}
          onPointerLeave={() => setDragging(null)}
          aria-label="Skeleton preview"
        >
          {value.edges.map(([a, b], at) => {
            const from = byKey.get(a);
            const to = byKey.get(b);
            return from === undefined || to === undefined ? null : <line key={at} x1={from.x * SIZE} y1={from.y * SIZE} x2={to.x * SIZE} y2={to.y * SIZE} stroke="#2f5bea" strokeWidth={2} />;
          })}
          {value.keypoints.map((point, at) => (
            <g key={at}>
              <circle
                cx={point.x * SIZE}
                cy={point.y * SIZE}
                r={6}
                fill={dragging === at ? "#f58231" : "#e6194b"}
                onPointerDown={(event) => {
                  event.currentTarget.ownerSVGElement?.setPointerCapture(event.pointerId);
                  setDragging(at);
                }}
              />
              <text x={point.x * SIZE + 8} y={point.y * SIZE - 6} fontSize={10}>
                {point.name || point.key}
              </text>
            </g>
          ))}
        </svg>
        <div style={{ flex: 1 }}>
          <PathProblem path={joinPath(path, "keypoints")} error={error} />
          {value.keypoints.map((point, at) => (
            <div className="row" key={at}>
              <PathInput
                label={`Keypoint ${at + 1}`}
                path={joinPath(path, "keypoints", at, "name")}
                error={error}
                value={point.name}
                onChange={(name) => set({ keypoints: replaced(value.keypoints, at, { name, key: keyFor(point, name) }) })}
              />
              <PathInput
                label="Key"
                path={joinPath(path, "keypoints", at, "key")}
                error={error}
                value={point.key}
                onChange={(key) => set({ keypoints: replaced(value.keypoints, at, { key, keyEdited: key !== deriveKey(point.name) }) })}
              />
              <span className="muted">
                ({point.x.toFixed(2)}, {point.y.toFixed(2)})
              </span>
              <button type="button" className="secondary small" onClick={() => set({ keypoints: removed(value.keypoints, at), edges: value.edges.filter(([a, b]) => a !== point.key && b !== point.key) })}>
                ✕
              </button>
            </div>
          ))}
          <button
            type="button"
            className="secondary small"
            onClick={() => set({ keypoints: [...value.keypoints, { key: "", keyEdited: false, name: "", x: 0.5, y: 0.5 }] })}
          >
            Add keypoint
          </button>
          <h4>Edges</h4>
          <PathProblem path={joinPath(path, "edges")} error={error} />
          <ul>
            {value.edges.map(([a, b], at) => (
              <li key={at}>
                {a} — {b} <PathProblem path={joinPath(path, "edges", at)} error={error} />
                <button type="button" className="link" onClick={() => set({ edges: removed(value.edges, at) })}>
                  remove
                </button>
              </li>
            ))}
          </ul>
          <div className="row">
            <select aria-label="Edge from" value={edgeA} onChange={(event) => setEdgeA(event.target.value)}>
              <option value="">from…</option>
              {value.keypoints.map((point, at) => (
                <option key={at} value={point.key}>
                  {point.name || point.key}
                </option>
              ))}
            </select>
            <select aria-label="Edge to" value={edgeB} onChange={(event) => setEdgeB(event.target.value)}>
              <option value="">to…</option>
              {value.keypoints.map((point, at) => (
                <option key={at} value={point.key}>
                  {point.name || point.key}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="secondary small"
              disabled={edgeA === "" || edgeB === ""}
              onClick={() => {
                set({ edges: [...value.edges, [edgeA, edgeB]] });
                setEdgeA("");
                setEdgeB("");
              }}
            >
              Add edge
            </button>
          </div>
        </div>
      </div>
    </div>
  );
}
