// Active labeling time: seconds during which the person is working on the item. Each input
// (pointer, key, wheel) counts the time since the previous one, up to `idleSeconds`, so a
// pause longer than that counts as `idleSeconds` at most and a hidden tab counts nothing.

export class ActiveTime {
  private last: number | null = null;
  private total = 0;

  constructor(
    private readonly now: () => number = () => performance.now() / 1000,
    readonly idleSeconds = 30,
  ) {}

  /** Called on every user input. */
  touch(): void {
    const t = this.now();
    if (this.last !== null) this.total += Math.min(this.idleSeconds, Math.max(0, t - this.last));
    this.last = t;
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
