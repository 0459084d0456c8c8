import { describe, expect, it } from "vitest";
import { readImportReport, sortedLines } from "./importReport";
import { breadcrumb, entryPath, parentFolder, relativePathOf } from "./paths";
import { uploadUrl } from "./upload";

describe("dataset paths", () => {
  it("makes a breadcrumb from the top down", () => {
    expect(breadcrumb("", "photos")).toEqual([{ name: "photos", path: "" }]);
    expect(breadcrumb("trip/day1", "photos")).toEqual([
      { name: "photos", path: "" },
      { name: "trip", path: "trip" },
      { name: "day1", path: "trip/day1" },
    ]);
  });

  it("finds the parent folder", () => {
    expect(parentFolder("trip/day1")).toBe("trip");
    expect(parentFolder("trip")).toBe("");
  });

  it("names each uploaded part by its relative path", () => {
    expect(relativePathOf({ name: "a.png", webkitRelativePath: "trip/day1/a.png" })).toBe("trip/day1/a.png");
    expect(relativePathOf({ name: "a.png", webkitRelativePath: "" })).toBe("a.png");
    expect(relativePathOf({ name: "a.png" })).toBe("a.png");
    expect(entryPath("/trip/a.png")).toBe("trip/a.png");
  });

  it("uploads into the folder shown", () => {
    expect(uploadUrl(3, "")).toBe("/api/datasets/3/uploads");
    expect(uploadUrl(3, "trip/day 1")).toBe("/api/datasets/3/uploads?folder=trip%2Fday%201");
  });
});

describe("import report", () => {
  it("reads the job result and lists failures first", () => {
    const report = readImportReport({
      imported: 1,
      skipped: 1,
      failed: 1,
      files: [
        { path: "a.png", status: "imported", reason: "" },
        { path: "b.txt", status: "skipped", reason: "not an image" },
        { path: "c.png", status: "failed", reason: "too large" },
        { path: 3, status: "imported" },
      ],
      files_truncated: false,
    });
    expect(report?.files).toHaveLength(3);
    expect(sortedLines(report?.files ?? []).map((line) => line.path)).toEqual(["c.png", "b.txt", "a.png"]);
    expect(readImportReport({ items: 3 })).toBeNull();
    expect(readImportReport(null)).toBeNull();
  });
});
