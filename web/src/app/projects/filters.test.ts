import { describe, expect, it } from "vitest";
import { itemFilter, parseFilter, workflowOf } from "./filters";

describe("item filters", () => {
  it("combines the chosen conditions with AND", () => {
    expect(itemFilter({ state: "", className: "", annotator: "" })).toBeNull();
    expect(itemFilter({ state: "queued", className: "", annotator: "" })).toEqual({ state: "queued" });
    expect(itemFilter({ state: "submitted", className: " car ", annotator: "12" })).toEqual({
      and: [{ state: "submitted" }, { class: "car" }, { annotator: 12 }],
    });
  });

  it("reads a typed filter", () => {
    expect(parseFilter("  ")).toBeNull();
    expect(parseFilter('{"class": "car"}')).toEqual({ class: "car" });
    expect(() => parseFilter("{class")).toThrow(/not JSON/);
    expect(() => parseFilter("[1]")).toThrow(/object/);
  });

  it("writes the workflow settings", () => {
    expect(workflowOf({ consensusShare: "0.1", consensusCount: "3", goldShare: "0", reviewPolicy: "none", reviewShare: "" })).toEqual({
      consensus_share: 0.1,
      consensus_count: 3,
      gold_share: 0,
      review_policy: "none",
    });
    expect(workflowOf({ consensusShare: "x", consensusCount: "2", goldShare: "0", reviewPolicy: "sample", reviewShare: "" })).toMatchObject({ consensus_share: "x", review_share: 0 });
  });
});
