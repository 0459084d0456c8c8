import { useId } from "react";
import type { ApiError } from "../../api/client";

interface Props {
  readonly label: string;
  /** The request field this input fills; the server's problem for it shows below. */
  readonly name: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly error: ApiError | null;
  readonly type?: "text" | "email" | "password" | "number";
  readonly autoComplete?: string;
  readonly required?: boolean;
  readonly min?: number;
}

/** A labelled input with the server's message for its field. */
export function TextField({ label, name, value, onChange, error, type = "text", autoComplete, required, min }: Props) {
  const id = useId();
  const message = error?.messageFor(name) ?? null;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        type={type}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        autoComplete={autoComplete}
        required={required}
        min={min}
        aria-invalid={message !== null}
        aria-describedby={message === null ? undefined : `${id}-problem`}
      />
      {message !== null && (
        <p className="field-problem" id={`${id}-problem`}>
          {message}
        </p>
      )}
    </div>
  );
}
