/**
 * Calls `tick` on the interval grid (multiples of `intervalMs` since the epoch) with the grid time as
 * the snapshot timestamp: regular timestamps cost the storage's delta-of-delta codec almost nothing.
 * A tick that runs late never causes a burst (missed grid points are skipped), and a timestamp never
 * repeats or goes back, even when the wall clock is stepped back.
 */
export interface TickerOptions {
  readonly intervalMs: number;
  readonly tick: (timestamp: number) => Promise<void>;
  /** The first tick is at least this far after start, so rates cover a real interval. @defaultValue 1000 */
  readonly minFirstDelayMs?: number;
  readonly now?: () => number;
}

export class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private last = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private current: Promise<void> = Promise.resolve();

  constructor(private readonly options: TickerOptions) {}

  start(): void {
    const { intervalMs, minFirstDelayMs = 1000 } = this.options;
    this.schedule(this.now() + Math.min(minFirstDelayMs, intervalMs));
  }

  /** Stops ticking and waits for a tick in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Waits for the first grid point at or after `earliest`. */
  private schedule(earliest: number): void {
    if (this.stopped) return;
    const { intervalMs } = this.options;
    const at = Math.ceil(earliest / intervalMs) * intervalMs;
    this.timer = setTimeout(() => this.run(at), Math.max(0, at - this.now()));
  }

  private run(at: number): void {
    if (this.stopped) return;
    if (at > this.last) {
      this.last = at;
      this.current = this.options.tick(at).catch(() => undefined);
    }
    void this.current.then(() => this.schedule(Math.max(this.now(), at + 1)));
  }
}
