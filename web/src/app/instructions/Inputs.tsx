import { type ReactNode, useId } from "react";
import type { ApiError } from "../../api/client";
import { problemAt } from "./problems";

interface Common {
  readonly label: string;
  /** The JSON path of the value in the document; the server's problem there shows below. */
  readonly path: string;
  readonly error: ApiError | null;
  readonly className?: string;
}

function Message({ id, message }: { readonly id: string; readonly message: string | null }) {
  return message === null ? null : (
    <p className="field-problem" id={id}>
      {message}
    </p>
  );
}

/** A labelled text, number or colour input bound to one path of the document. */
export function PathInput({
  label,
  path,
  error,
  className,
  value,
  onChange,
  type = "text",
  placeholder,
}: Common & { readonly value: string; readonly onChange: (value: string) => void; readonly type?: "text" | "number" | "color"; readonly placeholder?: string }) {
  const id = useId();
  const message = problemAt(error, path);
  return (
    <div className={`field ${className ?? ""}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={type}
        value={value}
        placeholder={placeholder}
        data-path={path}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={message !== null}
        aria-describedby={message === null ? undefined : `${id}-problem`}
      />
      <Message id={`${id}-problem`} message={message} />
    </div>
  );
}

/** A labelled select bound to one path of the document. */
export function PathSelect({
  label,
  path,
  error,
  className,
  value,
  onChange,
  children,
}: Common & { readonly value: string; readonly onChange: (value: string) => void; readonly children: ReactNode }) {
  const id = useId();
  const message = problemAt(error, path);
  return (
    <div className={`field ${className ?? ""}`}>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} data-path={path} onChange={(event) => onChange(event.target.value)} aria-invalid={message !== null}>
        {children}
      </select>
      <Message id={`${id}-problem`} message={message} />
    </div>
  );
}

/** A checkbox bound to one path of the document. */
export function PathCheck({ label, path, error, checked, onChange }: Common & { readonly checked: boolean; readonly onChange: (checked: boolean) => void }) {
  const id = useId();
  const message = problemAt(error, path);
  return (
    <div>
      <label className="check" htmlFor={id}>
        <input id={id} type="checkbox" checked={checked} data-path={path} onChange={(event) => onChange(event.target.checked)} /> {label}
      </label>
      <Message id={`${id}-problem`} message={message} />
    </div>
  );
}

/** A problem with a whole element (a list, a class), shown above its fields. */
export function PathProblem({ path, error }: { readonly path: string; readonly error: ApiError | null }) {
  const message = problemAt(error, path);
  return message === null ? null : <p className="field-problem">{message}</p>;
}

/** A copy of `items` with item `index` changed. */
export function replaced<T>(items: readonly T[], index: number, change: Partial<T>): T[] {
  return items.map((item, at) => (at === index ? { ...item, ...change } : item));
}

/** A copy of `items` without item `index`. */
export function removed<T>(items: readonly T[], index: number): T[] {
  return items.filter((_, at) => at !== index);
}
