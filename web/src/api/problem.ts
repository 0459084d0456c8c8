// RFC 9457 problem details, as the Pixelwise API sends them for every error (docs/api.md,
// "Errors"), turned into one typed error that pages can show at the right field.

/** One problem tied to a field of the request. */
export interface FieldProblem {
  /** The field as the request named it: `email`, `put[2].geometry`, `limit`. */
  readonly field: string;
  readonly message: string;
}

/** What the server said went wrong. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** The field the problem is about, when the server named one. */
  readonly field: string | null;
  /** Every field problem (422 validation errors, instruction problems). */
  readonly fields: readonly FieldProblem[];
  /** The annotation object the problem is about (saves and submits name it). */
  readonly objectId: string | null;
  /** Seconds to wait before trying again (429). */
  readonly retryAfter: number | null;
}

const TITLES: Readonly<Record<number, string>> = {
  0: "No connection",
  400: "Bad request",
  401: "Not signed in",
  403: "Not allowed",
  404: "Not found",
  409: "Conflict",
  413: "Request too large",
  422: "Invalid input",
  429: "Too many requests",
  500: "Internal error",
  502: "Bad gateway",
  503: "Service unavailable",
  504: "Gateway timeout",
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value : null;
}

/** `body:name` → `name`, `query:limit` → `limit`; a location without a place stays as it is. */
export function fieldOfLocation(location: string): string {
  const match = /^(body|query|path|header|cookie):(.+)$/.exec(location);
  return match?.[2] ?? location;
}

function listed(body: Record<string, unknown>): FieldProblem[] {
  const found: FieldProblem[] = [];
  const errors = body["errors"];
  if (Array.isArray(errors)) {
    for (const item of errors) {
      if (!isRecord(item)) continue;
      const location = text(item["location"]);
      const message = text(item["message"]);
      if (location !== null && message !== null) {
        found.push({ field: fieldOfLocation(location), message });
      }
    }
  }
  const problems = body["problems"];
  if (Array.isArray(problems)) {
    for (const item of problems) {
      if (!isRecord(item)) continue;
      const path = text(item["path"]);
      const message = text(item["message"]);
      if (path !== null && message !== null) found.push({ field: path, message });
    }
  }
  return found;
}

/**
 * The problem in an error answer. `body` is what came back, parsed as JSON when it was
 * JSON; anything else (an HTML page from a proxy, an empty body) still gives a problem
 * with a readable detail.
 */
export function parseProblem(status: number, body: unknown, retryAfterHeader: string | null = null): Problem {
  const retryAfter = retryAfterHeader !== null && /^\d+$/.test(retryAfterHeader) ? Number(retryAfterHeader) : null;
  const fallbackTitle = TITLES[status] ?? "Request failed";
  if (!isRecord(body)) {
    return {
      type: "about:blank",
      title: fallbackTitle,
      status,
      detail:
        status === 0
          ? "The server cannot be reached; check the connection and try again."
          : `The server answered ${status} (${fallbackTitle.toLowerCase()}) without details.`,
      field: null,
      fields: [],
      objectId: null,
      retryAfter,
    };
  }
  const fields = listed(body);
  const named = text(body["field"]);
  const field = named ?? fields[0]?.field ?? null;
  const detail = text(body["detail"]) ?? text(body["title"]) ?? fallbackTitle;
  if (named !== null && !fields.some((item) => item.field === named)) {
    fields.unshift({ field: named, message: detail });
  }
  return {
    type: text(body["type"]) ?? "about:blank",
    title: text(body["title"]) ?? fallbackTitle,
    status: typeof body["status"] === "number" ? body["status"] : status,
    detail,
    field,
    fields,
    objectId: text(body["object_id"]),
    retryAfter,
  };
}

/** An error answer of the API, thrown by `ok()`; `message` is the problem's detail. */
export class ApiError extends Error {
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail);
    this.name = "ApiError";
    this.problem = problem;
  }

  get status(): number {
    return this.problem.status;
  }

  get detail(): string {
    return this.problem.detail;
  }

  get field(): string | null {
    return this.problem.field;
  }

  /** The message for one field of a form, or null when nothing is wrong with it. */
  messageFor(field: string): string | null {
    return this.problem.fields.find((item) => item.field === field)?.message ?? null;
  }
}

/** Any thrown value as an ApiError, so pages show every failure the same way. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof TypeError) return new ApiError(parseProblem(0, null)); // fetch failed
  const detail = error instanceof Error ? error.message : String(error);
  return new ApiError(parseProblem(0, { title: "Error in the page", detail }));
}
