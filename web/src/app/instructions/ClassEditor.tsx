import type { ApiError } from "../../api/client";
import { type ClassDraft, deriveKey, emptyAttribute, keyFor, type SkeletonDraft, type Tool, TOOLS } from "./document";
import { PathInput, PathProblem, PathSelect, removed, replaced } from "./Inputs";
import { joinPath, problemsWithin } from "./problems";
import { ValueEditor } from "./ValueEditor";

interface Props {
  readonly index: number;
  readonly value: ClassDraft;
  readonly onChange: (value: ClassDraft) => void;
  readonly onRemove: () => void;
  readonly onSelect: () => void;
  readonly selected: boolean;
  readonly skeletons: readonly SkeletonDraft[];
  readonly error: ApiError | null;
}

/** One label class: name, key, colour, tool, hotkey, description and its attributes. */
export function ClassEditor({ index, value, onChange, onRemove, onSelect, selected, skeletons, error }: Props) {
  const path = joinPath("classes", index);
  const set = (change: Partial<ClassDraft>) => onChange({ ...value, ...change });
  const troubled = problemsWithin(error, path).length > 0;
  return (
    <div className={`card${selected ? " selected" : ""}${troubled ? " has-problem" : ""}`} aria-label={`Class ${index + 1}`} role="group" onFocus={onSelect}>
      <div className="card-head">
        <strong>
          <span className="swatch" style={{ background: value.color }} />
          Class {index + 1}
          {value.name !== "" && `: ${value.name}`}
        </strong>
        <button type="button" className="secondary small" onClick={onRemove}>
          Remove class
        </button>
      </div>
      <PathProblem path={path} error={error} />
      <div className="row">
        <PathInput label="Name" path={joinPath(path, "name")} error={error} value={value.name} onChange={(name) => set({ name, key: keyFor(value, name) })} />
        <PathInput label="Key" path={joinPath(path, "key")} error={error} value={value.key} onChange={(key) => set({ key, keyEdited: key !== deriveKey(value.name) })} />
        <PathInput className="narrow" label="Colour" type="color" path={joinPath(path, "color")} error={error} value={value.color} onChange={(color) => set({ color })} />
      </div>
      <div className="row">
        <PathSelect label="Tool" path={joinPath(path, "tool")} error={error} value={value.tool} onChange={(tool) => set({ tool: tool as Tool })}>
          {TOOLS.map((tool) => (
            <option key={tool} value={tool}>
              {tool.replace("_", " ")}
            </option>
          ))}
        </PathSelect>
        {value.tool === "skeleton" && (
          <PathSelect label="Skeleton" path={joinPath(path, "skeleton")} error={error} value={value.skeleton} onChange={(skeleton) => set({ skeleton })}>
            <option value="">Choose…</option>
            {skeletons.map((skeleton, at) => (
              <option key={at} value={skeleton.key}>
                {skeleton.name || skeleton.key}
              </option>
            ))}
          </PathSelect>
        )}
        <PathInput className="narrow" label="Hotkey" path={joinPath(path, "hotkey")} error={error} value={value.hotkey} onChange={(hotkey) => set({ hotkey })} placeholder="1" />
      </div>
      <PathInput label="Description" path={joinPath(path, "description")} error={error} value={value.description} onChange={(description) => set({ description })} />
      <div className="sub" aria-label="Attributes">
        <PathProblem path={joinPath(path, "attributes")} error={error} />
        {value.attributes.map((attribute, at) => {
          const attributePath = joinPath(path, "attributes", at);
          return (
            <div key={at} className="card" role="group" aria-label={`Attribute ${at + 1} of class ${index + 1}`}>
              <div className="card-head">
                <strong>Attribute {at + 1}</strong>
                <button type="button" className="secondary small" onClick={() => set({ attributes: removed(value.attributes, at) })}>
                  Remove attribute
                </button>
              </div>
              <PathProblem path={attributePath} error={error} />
              <div className="row">
                <PathInput
                  label="Attribute name"
                  path={joinPath(attributePath, "name")}
                  error={error}
                  value={attribute.name}
                  onChange={(name) => set({ attributes: replaced(value.attributes, at, { name, key: keyFor(attribute, name) }) })}
                />
                <PathInput
                  label="Attribute key"
                  path={joinPath(attributePath, "key")}
                  error={error}
                  value={attribute.key}
                  onChange={(key) => set({ attributes: replaced(value.attributes, at, { key, keyEdited: key !== deriveKey(attribute.name) }) })}
                />
              </div>
              <ValueEditor value={attribute} path={attributePath} error={error} onChange={(next) => set({ attributes: replaced(value.attributes, at, next) })} />
            </div>
          );
        })}
        <button type="button" className="secondary small" onClick={() => set({ attributes: [...value.attributes, emptyAttribute()] })}>
          Add attribute
        </button>
      </div>
    </div>
  );
}
