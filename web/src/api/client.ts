// The typed API client. Types come from `schema.d.ts`, generated from the server's OpenAPI
// document by `scripts/gen-api-client`; nothing here describes a route by hand.

import createClient, { type Client, type Middleware } from "openapi-fetch";
import { ApiError, asApiError, parseProblem } from "./problem";
import type { components, paths } from "./schema";

export { ApiError } from "./problem";
export type { FieldProblem, Problem } from "./problem";

export type Schemas = components["schemas"];
export type ApiClient = Client<paths>;

export const CSRF_COOKIE = "pixelwise_csrf";
export const CSRF_HEADER = "X-CSRF-Token";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The value of one cookie in a `document.cookie` string, or null. */
export function readCookie(cookies: string, name: string): string | null {
  for (const part of cookies.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

/** Sends the session's CSRF token (from its readable cookie) with every unsafe request. */
export function csrfMiddleware(cookies: () => string): Middleware {
  return {
    onRequest({ request }) {
      if (SAFE_METHODS.has(request.method.toUpperCase())) return undefined;
      const token = readCookie(cookies(), CSRF_COOKIE);
      if (token !== null && !request.headers.has(CSRF_HEADER)) {
        request.headers.set(CSRF_HEADER, token);
      }
      return request;
    },
  };
}

export interface ApiClientOptions {
  /** Where the API lives; empty (the default) means this page's own server. */
  readonly baseUrl?: string;
  readonly fetch?: typeof globalThis.fetch;
  /** The page's cookies; default `document.cookie`. */
  readonly cookies?: () => string;
}

function documentCookies(): string {
  return typeof document === "undefined" ? "" : document.cookie;
}

/** A client that sends the session cookie and the CSRF header. */
export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? "",
    credentials: "same-origin",
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  client.use(csrfMiddleware(options.cookies ?? documentCookies));
  return client;
}

interface Answer {
  readonly data?: unknown;
  readonly error?: unknown;
  readonly response: Response;
}

/** The data of a successful answer; `undefined` for answers without a body (204). */
export type Data<A extends Answer> = [Exclude<A["data"], undefined>] extends [never]
  ? undefined
  : Exclude<A["data"], undefined>;

/**
 * The data of a successful answer; throws `ApiError` (with the problem details) for an
 * error answer, and for a server that cannot be reached.
 *
 *     const page = await ok(api.GET("/api/datasets", { params: { query: { limit: 50 } } }));
 */
export async function ok<A extends Answer>(pending: Promise<A>): Promise<Data<A>> {
  let answer: A;
  try {
    answer = await pending;
  } catch (error) {
    throw asApiError(error);
  }
  const { response } = answer;
  if (answer.error !== undefined || !response.ok) {
    throw new ApiError(parseProblem(response.status, answer.error, response.headers.get("Retry-After")));
  }
  return answer.data as Data<A>;
}
