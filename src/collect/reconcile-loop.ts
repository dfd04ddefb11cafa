import type { Logger } from '../config/index.ts';
import { messageOf } from './errors.ts';
import type { ReconcileResult } from './scheduler.ts';

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/**
 * Runs the full schedule check: one at a time (callers share a run in progress), every `intervalMs`,
 * and again soon after a failure (Redis away), backing off from 1 s to 30 s.
 */
export class ReconcileLoop {
  private running: Promise<ReconcileResult> | undefined;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly run: () => Promise<ReconcileResult>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Reconciles now, or joins the run in progress. */
  now(): Promise<ReconcileResult> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Reconciles in the background; a failure is logged and retried. */
  soon(): void {
    this.now().then(
      (result) => {
        this.retryMs = FIRST_RETRY_MS;
        this.logger.debug(result, 'collection schedules reconciled');
      },
      (err: unknown) => this.retryLater(err),
    );
  }

  start(): void {
    this.soon();
    if (this.intervalMs <= 0) return;
    this.timer = setInterval(() => this.soon(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timers and waits for a run in progress (its failure no longer matters). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    await this.running?.catch(() => undefined);
  }

  private retryLater(err: unknown): void {
    if (this.stopped) return;
    this.logger.warn(
      { err: messageOf(err), retryInMs: this.retryMs },
      'reconciling collection schedules failed',
    );
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.soon(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
  }
}
