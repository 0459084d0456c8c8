import { useState } from "react";
import type { InstructionDraft, ValueDraft } from "./document";

interface Props {
  readonly draft: InstructionDraft;
  readonly selected: number;
  readonly onSelect: (index: number) => void;
}

/** One attribute or question as the annotator will fill it in. */
function ValueInput({ label, value, required }: { readonly label: string; readonly value: ValueDraft; readonly required: boolean }) {
  const [text, setText] = useState(value.defaultValue);
  const [picked, setPicked] = useState<string[]>(value.defaultChoices);
  const title = (
    <>
      {label || "(unnamed)"}
      {required && <span aria-label="required"> *</span>}
    </>
  );
  switch (value.type) {
    case "text":
      return (
        <div className="field">
          <label>
            {title}
            <input value={text} onChange={(event) => setText(event.target.value)} maxLength={Number(value.maxLength) || undefined} />
          </label>
        </div>
      );
    case "number":
      return (
        <div className="field">
          <label>
            {title}
            <input type="number" value={text} min={value.min || undefined} max={value.max || undefined} step={value.integer ? 1 : "any"} onChange={(event) => setText(event.target.value)} />
          </label>
        </div>
      );
    case "boolean":
      return (
        <label className="check">
          <input type="checkbox" checked={text === "true"} onChange={(event) => setText(String(event.target.checked))} /> {title}
        </label>
      );
    case "single_choice":
      return value.display === "radio" ? (
        <fieldset className="sub">
          <legend>{title}</legend>
          {value.choices.map((choice, index) => (
            <label key={index} className="check">
              <input type="radio" checked={text === choice.key} onChange={() => setText(choice.key)} /> {choice.name || choice.key}
            </label>
          ))}
        </fieldset>
      ) : (
        <div className="field">
          <label>
            {title}
            <select value={text} onChange={(event) => setText(event.target.value)}>
              <option value="">—</option>
              {value.choices.map((choice, index) => (
                <option key={index} value={choice.key}>
                  {choice.name || choice.key}
                </option>
              ))}
            </select>
          </label>
        </div>
      );
    case "multiple_choice":
      return (
        <fieldset className="sub">
          <legend>{title}</legend>
          {value.choices.map((choice, index) => (
            <label key={index} className="check">
              <input
                type="checkbox"
                checked={picked.includes(choice.key)}
                onChange={(event) => setPicked(event.target.checked ? [...picked, choice.key] : picked.filter((key) => key !== choice.key))}
              />{" "}
              {choice.name || choice.key}
            </label>
          ))}
        </fieldset>
      );
  }
}

/** The annotator's side panel as the draft stands: classes, the selected class's form, questions. */
export function PanelPreview({ draft, selected, onSelect }: Props) {
  const current = draft.classes[selected];
  return (
    <aside className="side-panel" aria-label="Annotator preview">
      <h3>Classes</h3>
      {draft.classes.length === 0 && <p className="muted">No classes yet.</p>}
      <ul>
        {draft.classes.map((label, index) => (
          <li key={index}>
            <button type="button" className={index === selected ? "selected" : ""} onClick={() => onSelect(index)}>
              <span>
                <span className="swatch" style={{ background: label.color }} />
                {label.name || "(unnamed)"} <span className="muted">{label.tool.replace("_", " ")}</span>
              </span>
              {label.hotkey !== "" && <span className="hotkey">{label.hotkey}</span>}
            </button>
          </li>
        ))}
      </ul>
      {current !== undefined && current.attributes.length > 0 && (
        <>
          <h3>{current.name || "Class"} attributes</h3>
          {current.attributes.map((attribute, index) => (
            <ValueInput key={`${selected}-${index}-${attribute.type}-${attribute.display}`} label={attribute.name} value={attribute} required={attribute.required} />
          ))}
        </>
      )}
      {draft.questions.length > 0 && (
        <>
          <h3>Image questions</h3>
          {draft.questions.map((question, index) => (
            <div key={`${index}-${question.type}-${question.display}`}>
              <ValueInput label={question.text} value={question} required={question.required} />
              {Object.entries(question.hotkeys).filter(([, key]) => key !== "").length > 0 && (
                <p className="muted">
                  {question.choices
                    .filter((choice) => (question.hotkeys[choice.key] ?? "") !== "")
                    .map((choice) => (
                      <span key={choice.key}>
                        <span className="hotkey">{question.hotkeys[choice.key]}</span> {choice.name}{" "}
                      </span>
                    ))}
                </p>
              )}
            </div>
          ))}
        </>
      )}
    </aside>
  );
}
