// Active labeling time: seconds during which the person is working on the item. Each input
// (pointer, key, wheel) counts the time since the previous one, up to `idleSeconds`, so a
// pause longer than that counts as `idleSeconds` at most and a hidden tab counts nothing.
// Each counted stretch is also handed to `onCount` (the per-object accounting).

export class ActiveTime {
  private last: number | null = null;
  private total = 0;
  /** Told the seconds each input adds. */
  onCount: ((seconds: number) => void) | null = null;

  constructor(
    private readonly now: () => number = () => performance.now() / 1000,
    readonly idleSeconds = 30,
  ) {}

  /** Called on every user input. */
  touch(): void {
    const t = this.now();
    const last = this.last;
    this.last = t;
    if (last === null) return;
    const seconds = Math.min(this.idleSeconds, Math.max(0, t - last));
    this.total += seconds;
    if (seconds > 0) this.onCount?.(seconds);
  }

  /** The page was hidden: the time until the next input does not count. */
  pause(): void {
    this.last = null;
  }

  /** Seconds gathered since the last call. */
  take(): number {
    const seconds = this.total;
    this.total = 0;
    return seconds;
  }
}
