import type { IngestRequest } from '../contract/wire.ts';
import { type BackoffOptions, retryDelay } from './backoff.ts';
import type { Outcome } from './ingest-client.ts';
import type { AgentLogger } from './logger.ts';
import type { Spool } from './spool.ts';

/** Sends one batch under its idempotency key; never throws (a failure is an `Outcome`). */
export type SendBatch = (
  body: IngestRequest,
  idempotencyKey: string,
  signal: AbortSignal,
) => Promise<Outcome>;

export interface DeliveryOptions {
  readonly spool: Spool;
  readonly send: SendBatch;
  readonly logger: AgentLogger;
  /** Called once when the server refuses the token (401/403); delivery has stopped by then. */
  readonly onFatal: (outcome: Extract<Outcome, { kind: 'fatal' }>) => void;
  readonly backoff?: BackoffOptions;
}

export interface DeliveryStats {
  delivered: number;
  rejected: number;
  retries: number;
}

/**
 * Sends the spool's batches one at a time, oldest first. A batch leaves the spool once the server
 * stored it (2xx) or refused it for good (400, 413, 422…); on 429, 5xx or a network error the same batch
 * is retried, with the same idempotency key, after a backoff or the server's `Retry-After`. Batches
 * collected meanwhile queue behind it, so order is kept.
 */
export class Delivery {
  readonly stats: DeliveryStats = { delivered: 0, rejected: 0, retries: 0 };
  private running: Promise<void> | undefined;
  private stopped = false;
  private draining = false;
  private readonly abort = new AbortController();
  private wake: (() => void) | undefined;
  private failing = 0;

  constructor(private readonly options: DeliveryOptions) {}

  /** Starts sending if idle; call after each append. */
  kick(): void {
    if (this.running || this.stopped) return;
    this.running = this.pump()
      .catch((err: unknown) => {
        // A spool write failed (disk full, I/O error): the next kick, one interval later, tries again.
        this.options.logger.error({ err }, 'delivery paused: the spool cannot be updated');
      })
      .finally(() => {
        this.running = undefined;
      });
  }

  /**
   * Stops sending after a last drain: what the spool holds is sent while the server takes it, for at
   * most `graceMs`; the first failure ends the drain, and an attempt still in flight at the deadline is
   * aborted. What is left stays in the spool and is sent, with the same keys, by the next start.
   */
  async close(graceMs = 2000): Promise<void> {
    if (!this.stopped) {
      this.draining = true;
      this.wake?.();
      this.kick();
    }
    const timer = setTimeout(() => {
      this.stopped = true;
      this.abort.abort(new Error('agent stopping'));
    }, graceMs);
    await this.running;
    clearTimeout(timer);
    this.stopped = true;
  }

  private async pump(): Promise<void> {
    const { spool } = this.options;
    for (let batch = spool.head(); batch && !this.stopped; batch = spool.head()) {
      const body = this.read(batch.key, () => spool.request(batch));
      const snapshots = body?.hosts[0]?.snapshots?.length ?? 0;
      if (!body || snapshots === 0) {
        spool.ack(batch.key);
        continue;
      }
      const outcome = await this.options.send(body, batch.key, this.abort.signal);
      if (outcome.kind === 'fatal') {
        this.stopped = true;
        this.options.onFatal(outcome);
        return;
      }
      if (outcome.kind !== 'retry') this.settle(batch.key, outcome, snapshots);
      else if (this.stopped || this.draining) return;
      else await this.retryLater(outcome, snapshots);
    }
  }

  private read(key: string, read: () => IngestRequest): IngestRequest | undefined {
    try {
      return read();
    } catch (err: unknown) {
      this.options.logger.error({ err, key }, 'spool: cannot read a batch back; dropping it');
      return undefined;
    }
  }

  private settle(
    key: string,
    outcome: Extract<Outcome, { kind: 'stored' | 'reject' }>,
    snapshots: number,
  ): void {
    const { logger, spool } = this.options;
    if (outcome.kind === 'reject') {
      this.stats.rejected += snapshots;
      logger.error(
        { status: outcome.status, reason: outcome.reason, key, snapshots },
        'the server refused a batch for good; dropping it',
      );
    } else {
      this.stats.delivered += snapshots;
      if (this.failing > 0) {
        logger.info(
          { attempts: this.failing + 1, pending: spool.pendingSnapshots },
          'server reachable again; replaying the spool',
        );
      }
    }
    this.failing = 0;
    spool.ack(key);
  }

  private async retryLater(outcome: Extract<Outcome, { kind: 'retry' }>, snapshots: number): Promise<void> {
    this.failing++;
    this.stats.retries++;
    const delayMs = retryDelay(this.failing, outcome.retryAfterMs, this.options.backoff);
    // Loud on the first failure, then every 10th, so a long outage does not flood the log.
    const level = this.failing === 1 || this.failing % 10 === 0 ? 'warn' : 'debug';
    this.options.logger[level](
      {
        status: outcome.status,
        reason: outcome.reason,
        attempt: this.failing,
        delayMs,
        snapshots,
        pending: this.options.spool.pendingSnapshots,
      },
      'cannot deliver; keeping the data in the spool and retrying',
    );
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }
}
