import { describe, expect, it } from "vitest";
import { formatBytes, formatTime } from "./format";

describe("formatBytes", () => {
  it("keeps small sizes in bytes and scales larger ones", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(1234)).toBe("1.2 KB");
    expect(formatBytes(123_456_789)).toBe("123 MB");
    expect(formatBytes(5 * 1000 ** 4)).toBe("5.0 TB");
  });
});

describe("formatTime", () => {
  it("says never for a missing time and keeps what it cannot read", () => {
    expect(formatTime(null)).toBe("never");
    expect(formatTime(undefined, "-")).toBe("-");
    expect(formatTime("not a date")).toBe("not a date");
    expect(formatTime("2026-01-02T03:04:05Z")).toMatch(/2026/);
  });
});
