import type { ApiError } from "../../api/client";
import { type ChoiceDraft, deriveKey, keyFor, VALUE_TYPES, type ValueDraft, type ValueType } from "./document";
import { PathCheck, PathInput, PathProblem, PathSelect, removed, replaced } from "./Inputs";
import { joinPath } from "./problems";

const TYPE_NAMES: Record<ValueType, string> = {
  single_choice: "Single choice",
  multiple_choice: "Multiple choice",
  text: "Text",
  number: "Number",
  boolean: "Yes / no",
};

interface Props<T extends ValueDraft> {
  readonly value: T;
  readonly onChange: (value: T) => void;
  /** Where the value lies in the document: `classes[0].attributes[1]`, `questions[2]`. */
  readonly path: string;
  readonly error: ApiError | null;
  /** Questions give choices hotkeys. */
  readonly hotkeys?: Record<string, string>;
  readonly onHotkeys?: (hotkeys: Record<string, string>) => void;
}

/** The type of an attribute or question and its settings: choices, limits, default. */
export function ValueEditor<T extends ValueDraft>({ value, onChange, path, error, hotkeys, onHotkeys }: Props<T>) {
  const set = (change: Partial<ValueDraft>) => onChange({ ...value, ...change });
  const at = (...parts: (string | number)[]) => joinPath(path, ...parts);
  const choices = value.choices;
  const setChoices = (next: ChoiceDraft[]) => set({ choices: next });
  const isChoice = value.type === "single_choice" || value.type === "multiple_choice";
  return (
    <div className="value-editor">
      <div className="row">
        <PathSelect label="Type" path={at("type")} error={error} value={value.type} onChange={(type) => set({ type: type as ValueType, defaultValue: "", defaultChoices: [] })}>
          {VALUE_TYPES.map((type) => (
            <option key={type} value={type}>
              {TYPE_NAMES[type]}
            </option>
          ))}
        </PathSelect>
        {value.type === "single_choice" && (
          <PathSelect label="Shown as" path={at("display")} error={error} value={value.display} onChange={(display) => set({ display: display === "radio" ? "radio" : "dropdown" })}>
            <option value="dropdown">Dropdown</option>
            <option value="radio">Radio buttons</option>
          </PathSelect>
        )}
        {value.type === "number" && (
          <>
            <PathInput className="narrow" label="Min" type="number" path={at("min")} error={error} value={value.min} onChange={(min) => set({ min })} />
            <PathInput className="narrow" label="Max" type="number" path={at("max")} error={error} value={value.max} onChange={(max) => set({ max })} />
          </>
        )}
        {value.type === "text" && (
          <PathInput className="narrow" label="Max length" type="number" path={at("max_length")} error={error} value={value.maxLength} onChange={(maxLength) => set({ maxLength })} />
        )}
      </div>
      <div className="row">
        <PathCheck label="Required" path={at("required")} error={error} checked={value.required} onChange={(required) => set({ required })} />
        {value.type === "number" && <PathCheck label="Whole numbers only" path={at("integer")} error={error} checked={value.integer} onChange={(integer) => set({ integer })} />}
      </div>
      {isChoice && (
        <div className="sub" aria-label="Choices">
          <PathProblem path={at("choices")} error={error} />
          {choices.map((choice, index) => (
            <div className="row" key={index}>
              <PathInput
                label={`Choice ${index + 1}`}
                path={at("choices", index, "name")}
                error={error}
                value={choice.name}
                onChange={(name) => setChoices(replaced(choices, index, { name, key: keyFor(choice, name) }))}
              />
              <PathInput
                label="Key"
                path={at("choices", index, "key")}
                error={error}
                value={choice.key}
                onChange={(key) => setChoices(replaced(choices, index, { key, keyEdited: key !== deriveKey(choice.name) }))}
              />
              {hotkeys !== undefined && onHotkeys !== undefined && (
                <PathInput
                  className="narrow"
                  label="Hotkey"
                  path={joinPath(path, "hotkeys", choice.key)}
                  error={error}
                  value={hotkeys[choice.key] ?? ""}
                  onChange={(key) => onHotkeys({ ...hotkeys, [choice.key]: key })}
                />
              )}
              <button type="button" className="secondary small" aria-label={`Remove choice ${index + 1}`} onClick={() => setChoices(removed(choices, index))}>
                ✕
              </button>
            </div>
          ))}
          <button type="button" className="secondary small" onClick={() => setChoices([...choices, { key: "", keyEdited: false, name: "" }])}>
            Add choice
          </button>
        </div>
      )}
      <DefaultEditor value={value} set={set} path={at("default")} error={error} />
    </div>
  );
}

function DefaultEditor({ value, set, path, error }: { readonly value: ValueDraft; readonly set: (change: Partial<ValueDraft>) => void; readonly path: string; readonly error: ApiError | null }) {
  switch (value.type) {
    case "text":
      return <PathInput label="Default" path={path} error={error} value={value.defaultValue} onChange={(defaultValue) => set({ defaultValue })} />;
    case "number":
      return <PathInput label="Default" type="number" path={path} error={error} value={value.defaultValue} onChange={(defaultValue) => set({ defaultValue })} />;
    case "boolean":
      return (
        <PathSelect label="Default" path={path} error={error} value={value.defaultValue} onChange={(defaultValue) => set({ defaultValue })}>
          <option value="">None</option>
          <option value="true">Yes</option>
          <option value="false">No</option>
        </PathSelect>
      );
    case "single_choice":
      return (
        <PathSelect label="Default" path={path} error={error} value={value.defaultValue} onChange={(defaultValue) => set({ defaultValue })}>
          <option value="">None</option>
          {value.choices.map((choice, index) => (
            <option key={index} value={choice.key}>
              {choice.name || choice.key}
            </option>
          ))}
        </PathSelect>
      );
    case "multiple_choice":
      return (
        <fieldset className="sub">
          <legend>Default</legend>
          {value.choices.map((choice, index) => (
            <label key={index} className="check">
              <input
                type="checkbox"
                checked={value.defaultChoices.includes(choice.key)}
                onChange={(event) =>
                  set({ defaultChoices: event.target.checked ? [...value.defaultChoices, choice.key] : value.defaultChoices.filter((key) => key !== choice.key) })
                }
              />{" "}
              {choice.name || choice.key}
            </label>
          ))}
          <PathProblem path={path} error={error} />
        </fieldset>
      );
  }
}
