import { describe, expect, it } from "vitest";
import { ApiError, asApiError, fieldOfLocation, parseProblem } from "./problem";

describe("parseProblem", () => {
  it("reads a problem with a field named by the server", () => {
    const problem = parseProblem(422, {
      type: "about:blank",
      title: "Invalid input",
      status: 422,
      detail: "current_password is wrong; it is needed to set a new one.",
      field: "current_password",
    });
    expect(problem.title).toBe("Invalid input");
    expect(problem.status).toBe(422);
    expect(problem.detail).toBe("current_password is wrong; it is needed to set a new one.");
    expect(problem.field).toBe("current_password");
    expect(problem.fields).toEqual([
      { field: "current_password", message: "current_password is wrong; it is needed to set a new one." },
    ]);
  });

  it("turns validation errors into one problem per field, without the body: prefix", () => {
    const problem = parseProblem(422, {
      type: "about:blank",
      title: "Invalid input",
      status: 422,
      detail: "The request has invalid values. body:name: String should have at least 1 character",
      errors: [
        { location: "body:name", message: "String should have at least 1 character", type: "string_too_short" },
        { location: "query:limit", message: "Input should be less than or equal to 500", type: "less_than_equal" },
        { location: "body", message: "Field required", type: "missing" },
        { nonsense: true },
      ],
    });
    expect(problem.field).toBe("name");
    expect(problem.fields).toEqual([
      { field: "name", message: "String should have at least 1 character" },
      { field: "limit", message: "Input should be less than or equal to 500" },
      { field: "body", message: "Field required" },
    ]);
  });

  it("keeps the paths of instruction problems", () => {
    const problem = parseProblem(422, {
      title: "Invalid input",
      status: 422,
      detail: "classes[1].tool: unknown tool",
      problems: [{ path: "classes[1].tool", message: "unknown tool" }],
    });
    expect(problem.field).toBe("classes[1].tool");
    expect(problem.fields).toEqual([{ field: "classes[1].tool", message: "unknown tool" }]);
  });

  it("reads Retry-After of a 429", () => {
    const problem = parseProblem(
      429,
      { title: "Too many requests", status: 429, detail: "Too many failed sign-ins." },
      "120",
    );
    expect(problem.retryAfter).toBe(120);
    expect(parseProblem(429, {}, "soon").retryAfter).toBeNull();
  });

  it("still says something for answers that are not problem details", () => {
    for (const body of [null, undefined, "<html>Bad gateway</html>", 42, ["a"]]) {
      const problem = parseProblem(502, body);
      expect(problem.status).toBe(502);
      expect(problem.title).toBe("Bad gateway");
      expect(problem.detail).toContain("502");
      expect(problem.field).toBeNull();
      expect(problem.fields).toEqual([]);
    }
    expect(parseProblem(0, null).detail).toMatch(/cannot be reached/);
    expect(parseProblem(418, {}).title).toBe("Request failed");
  });

  it("falls back on the HTTP status and the title when fields are missing", () => {
    const problem = parseProblem(404, { title: "Not found" });
    expect(problem.status).toBe(404);
    expect(problem.detail).toBe("Not found");
    expect(problem.type).toBe("about:blank");
  });
});

describe("fieldOfLocation", () => {
  it("drops the part of the request and keeps the path", () => {
    expect(fieldOfLocation("body:put.2.geometry")).toBe("put.2.geometry");
    expect(fieldOfLocation("path:project_id")).toBe("project_id");
    expect(fieldOfLocation("body")).toBe("body");
  });
});

describe("ApiError", () => {
  it("exposes detail, field, status and a message per field", () => {
    const error = new ApiError(
      parseProblem(422, {
        title: "Invalid input",
        status: 422,
        detail: "The request has invalid values.",
        errors: [{ location: "body:email", message: "Not an email address", type: "value_error" }],
      }),
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("The request has invalid values.");
    expect(error.detail).toBe("The request has invalid values.");
    expect(error.status).toBe(422);
    expect(error.field).toBe("email");
    expect(error.messageFor("email")).toBe("Not an email address");
    expect(error.messageFor("password")).toBeNull();
  });

  it("wraps anything thrown", () => {
    const known = new ApiError(parseProblem(404, { detail: "There is no project 9." }));
    expect(asApiError(known)).toBe(known);
    expect(asApiError(new TypeError("Failed to fetch")).status).toBe(0);
    expect(asApiError(new TypeError("Failed to fetch")).detail).toMatch(/cannot be reached/);
    expect(asApiError(new Error("boom")).detail).toBe("boom");
  });
});
