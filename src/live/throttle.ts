/**
 * Runs `run(key)` at most once per `intervalMs` per key, leading and trailing: the first trigger runs at
 * once, triggers within the interval collapse into one run at its end, so the newest state always goes
 * out and never more often than the interval.
 */
export class KeyedThrottle {
  private readonly lastRun = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly intervalMs: number,
    private readonly run: (key: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  trigger(key: string): void {
    if (this.closed || this.timers.has(key)) return;
    const wait = (this.lastRun.get(key) ?? Number.NEGATIVE_INFINITY) + this.intervalMs - this.now();
    if (wait <= 0) {
      this.fire(key);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.fire(key);
    }, wait);
    timer.unref();
    this.timers.set(key, timer);
  }

  /** Forgets a key (e.g. a deleted host), cancelling its pending run. */
  forget(key: string): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
    this.lastRun.delete(key);
  }

  /** Cancels every pending run; later triggers do nothing. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private fire(key: string): void {
    if (this.closed) return;
    this.lastRun.set(key, this.now());
    this.run(key);
  }
}
