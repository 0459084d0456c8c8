import type { ApiError } from "../../api/client";

interface Props {
  readonly error: ApiError | null;
  /** Fields of the form around it: a problem shown at one of them is not repeated here. */
  readonly fields?: readonly string[];
}

/** A problem the server reported, unless a field of the form already shows it. */
export function ProblemAlert({ error, fields = [] }: Props) {
  if (error === null || fields.some((field) => error.messageFor(field) !== null)) return null;
  const { title, detail, retryAfter } = error.problem;
  return (
    <div className="problem" role="alert">
      <strong>{title}.</strong> {detail}
      {retryAfter !== null && <> Try again in {retryAfter} s.</>}
    </div>
  );
}
