import { describe, expect, it } from "vitest";
import { ApiError, createApiClient, CSRF_HEADER, ok, readCookie } from "./client";

interface Sent {
  readonly method: string;
  readonly url: string;
  readonly csrf: string | null;
  readonly credentials: RequestCredentials;
  readonly body: string;
}

/** A client whose requests are recorded and answered with `answer`. */
function fakeServer(answer: () => Response, cookies = "pixelwise_csrf=the-token; other=1") {
  const sent: Sent[] = [];
  const fetch = async (input: Request | string | URL): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input);
    sent.push({
      method: request.method,
      url: request.url,
      csrf: request.headers.get(CSRF_HEADER),
      credentials: request.credentials,
      body: await request.text(),
    });
    return answer();
  };
  const api = createApiClient({ baseUrl: "http://pixelwise.test", fetch, cookies: () => cookies });
  return { api, sent };
}

function json(status: number, body: unknown, type = "application/json", headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type, ...headers } });
}

describe("readCookie", () => {
  it("finds one cookie among several", () => {
    expect(readCookie("a=1; pixelwise_csrf=abc%3D; b=2", "pixelwise_csrf")).toBe("abc=");
    expect(readCookie("a=1", "pixelwise_csrf")).toBeNull();
    expect(readCookie("", "pixelwise_csrf")).toBeNull();
  });
});

describe("the API client", () => {
  it("returns the data of a successful answer", async () => {
    const { api, sent } = fakeServer(() => json(200, { items: [{ id: 1 }], next_cursor: null }));
    const page = await ok(api.GET("/api/datasets", { params: { query: { limit: 10, cursor: null } } }));
    expect(page.items).toHaveLength(1);
    expect(sent[0]?.url).toBe("http://pixelwise.test/api/datasets?limit=10");
    expect(sent[0]?.credentials).toBe("same-origin");
  });

  it("sends the CSRF token on unsafe methods only", async () => {
    const { api, sent } = fakeServer(() => new Response(null, { status: 204 }));
    await ok(api.POST("/api/auth/logout"));
    await ok(api.GET("/api/tokens"));
    expect(sent.map((request) => [request.method, request.csrf])).toEqual([
      ["POST", "the-token"],
      ["GET", null],
    ]);
  });

  it("sends no CSRF header without the cookie (signing in)", async () => {
    const { api, sent } = fakeServer(() => json(200, {}), "");
    await ok(api.POST("/api/auth/login", { body: { email: "a@example.org", password: "pw" } }));
    expect(sent[0]?.csrf).toBeNull();
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({ email: "a@example.org", password: "pw" });
  });

  it("answers no body for 204", async () => {
    const { api } = fakeServer(() => new Response(null, { status: 204 }));
    await expect(ok(api.POST("/api/auth/logout"))).resolves.toBeUndefined();
  });

  it("throws the problem details of an error answer as ApiError", async () => {
    const { api } = fakeServer(() =>
      json(
        422,
        {
          type: "about:blank",
          title: "Invalid input",
          status: 422,
          detail: "The request has invalid values. body:name: String should have at least 1 character",
          errors: [{ location: "body:name", message: "String should have at least 1 character", type: "string_too_short" }],
        },
        "application/problem+json",
      ),
    );
    const failure = await ok(api.POST("/api/tokens", { body: { name: "" } })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    const error = failure as ApiError;
    expect(error.status).toBe(422);
    expect(error.field).toBe("name");
    expect(error.messageFor("name")).toBe("String should have at least 1 character");
    expect(error.detail).toMatch(/^The request has invalid values/);
  });

  it("throws for an error answer without a body", async () => {
    const { api } = fakeServer(() => new Response(null, { status: 503 }));
    const failure = await ok(api.GET("/api/me")).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).status).toBe(503);
    expect((failure as ApiError).problem.title).toBe("Service unavailable");
  });

  it("reads Retry-After from a 429", async () => {
    const { api } = fakeServer(() =>
      json(429, { title: "Too many requests", status: 429, detail: "Wait." }, "application/problem+json", {
        "Retry-After": "30",
      }),
    );
    const failure = await ok(api.POST("/api/auth/login", { body: { email: "a", password: "b" } })).catch(
      (error: unknown) => error,
    );
    expect((failure as ApiError).problem.retryAfter).toBe(30);
  });

  it("turns an unreachable server into an ApiError with status 0", async () => {
    const api = createApiClient({
      baseUrl: "http://pixelwise.test",
      fetch: () => Promise.reject(new TypeError("fetch failed")),
    });
    const failure = await ok(api.GET("/api/me")).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).status).toBe(0);
  });
});
