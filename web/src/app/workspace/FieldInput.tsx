import { useEffect, useState } from "react";
import type { FieldSpec } from "./instruction";

interface Props {
  readonly spec: FieldSpec;
  readonly value: unknown;
  readonly onChange: (value: unknown) => void;
  /** Makes ids unique when the same key is shown twice. */
  readonly idPrefix: string;
  /** What is wrong with the value (a required one missing at submit), shown at the field. */
  readonly problem?: string | null;
}

function numberProblem(spec: Extract<FieldSpec, { type: "number" }>, value: number): string | null {
  if (spec.integer && !Number.isInteger(value)) return "must be a whole number";
  if (spec.min !== null && value < spec.min) return `must be at least ${spec.min}`;
  if (spec.max !== null && value > spec.max) return `must be at most ${spec.max}`;
  return null;
}

/** One attribute or question as a form control; text and numbers commit on blur or Enter. */
export function FieldInput({ spec, value, onChange, idPrefix, problem = null }: Props) {
  const id = `${idPrefix}-${spec.key}`;
  const invalid = problem !== null;
  const note = invalid && (
    <span className="field-problem" role="note">
      {problem}
    </span>
  );
  const label = (
    <span className="field-label">
      {spec.label}
      {spec.required && <span className="required" title="required"> *</span>}
    </span>
  );
  switch (spec.type) {
    case "text":
    case "number":
      return <TypedField spec={spec} value={value} onChange={onChange} id={id} label={label} external={problem} />;
    case "boolean":
      return (
        <label className={invalid ? "ws-field ws-check ws-invalid" : "ws-field ws-check"} htmlFor={id}>
          <input id={id} type="checkbox" checked={value === true} aria-invalid={invalid} onChange={(e) => onChange(e.target.checked)} />
          {label}
          {note}
        </label>
      );
    case "single_choice":
      if (spec.display === "radio") {
        return (
          <fieldset className={invalid ? "ws-field ws-invalid" : "ws-field"} aria-invalid={invalid}>
            <legend>{label}</legend>
            {note}
            {spec.choices.map((choice) => (
              <label key={choice.key} className="ws-check">
                <input type="radio" name={id} checked={value === choice.key} onChange={() => onChange(choice.key)} />
                {choice.name}
                {spec.hotkeys[choice.key] !== undefined && <kbd>{spec.hotkeys[choice.key]}</kbd>}
              </label>
            ))}
          </fieldset>
        );
      }
      return (
        <label className={invalid ? "ws-field ws-invalid" : "ws-field"} htmlFor={id}>
          {label}
          <select id={id} value={typeof value === "string" ? value : ""} aria-invalid={invalid} onChange={(e) => onChange(e.target.value === "" ? null : e.target.value)}>
            <option value="">—</option>
            {spec.choices.map((choice) => (
              <option key={choice.key} value={choice.key}>
                {choice.name}
              </option>
            ))}
          </select>
          {note}
        </label>
      );
    case "multiple_choice": {
      const chosen = Array.isArray(value) ? (value as unknown[]) : [];
      return (
        <fieldset className={invalid ? "ws-field ws-invalid" : "ws-field"} aria-invalid={invalid}>
          <legend>{label}</legend>
          {note}
          {spec.choices.map((choice) => (
            <label key={choice.key} className="ws-check">
              <input
                type="checkbox"
                checked={chosen.includes(choice.key)}
                onChange={(e) => onChange(e.target.checked ? [...chosen, choice.key] : chosen.filter((c) => c !== choice.key))}
              />
              {choice.name}
              {spec.hotkeys[choice.key] !== undefined && <kbd>{spec.hotkeys[choice.key]}</kbd>}
            </label>
          ))}
        </fieldset>
      );
    }
  }
}

function TypedField({
  spec,
  value,
  onChange,
  id,
  label,
  external,
}: {
  spec: Extract<FieldSpec, { type: "text" | "number" }>;
  value: unknown;
  onChange: (value: unknown) => void;
  id: string;
  label: React.ReactNode;
  external: string | null;
}) {
  const shown = value === null || value === undefined ? "" : String(value);
  const [text, setText] = useState(shown);
  const [own, setProblem] = useState<string | null>(null);
  const problem = own ?? external;
  useEffect(() => setText(shown), [shown]);
  const commit = () => {
    if (text === shown) return;
    if (spec.type === "text") {
      onChange(text === "" ? null : text.slice(0, spec.maxLength));
      return;
    }
    if (text.trim() === "") {
      setProblem(null);
      onChange(null);
      return;
    }
    const number = Number(text);
    const wrong = Number.isFinite(number) ? numberProblem(spec, number) : "must be a number";
    setProblem(wrong);
    if (wrong === null) onChange(number);
  };
  return (
    <label className={problem !== null ? "ws-field ws-invalid" : "ws-field"} htmlFor={id}>
      {label}
      <input
        id={id}
        type={spec.type === "number" ? "number" : "text"}
        value={text}
        {...(spec.type === "number"
          ? { min: spec.min ?? undefined, max: spec.max ?? undefined, step: spec.step ?? (spec.integer ? 1 : "any") }
          : { maxLength: spec.maxLength })}
        aria-invalid={problem !== null}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit();
        }}
      />
      {problem !== null && <span className="field-problem">{problem}</span>}
    </label>
  );
}
