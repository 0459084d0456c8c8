// How numbers and times read on the pages.

const UNITS = ["B", "KB", "MB", "GB", "TB", "PB"] as const;

/** 1234567 → "1.2 MB" (powers of 1000, as file managers show sizes). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit] ?? "B"}`;
}

/** An ISO date-time from the API as the reader's local date and time; "never" for null. */
export function formatTime(iso: string | null | undefined, never = "never"): string {
  if (iso === null || iso === undefined) return never;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
