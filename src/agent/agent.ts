import type { Collector } from './collector.ts';
import { defaultCollectors } from './collectors/index.ts';
import { Delivery, type DeliveryStats, type SendBatch } from './delivery.ts';
import { postIngest } from './ingest-client.ts';
import type { AgentLogger } from './logger.ts';
import { Sampler } from './sampler.ts';
import type { AgentSettings } from './settings.ts';
import { Spool } from './spool.ts';
import { Ticker } from './ticker.ts';

/** How a running agent ended. */
export type AgentExit = { reason: 'stopped' } | { reason: 'token-rejected'; status: number; message: string };

export interface AgentOptions {
  /** @defaultValue this machine's collectors */
  readonly collectors?: readonly Collector[];
  /** @defaultValue `POST {server}/api/v1/ingest` */
  readonly send?: SendBatch;
  /** Backoff of retries. @defaultValue 1 s doubling to 60 s */
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
}

/**
 * `vitals agent`: collects on the interval grid, appends every snapshot to the disk spool, and delivers
 * the spool in order. `done` settles when the agent stops: on `stop()`, or when the server refuses the
 * token (nothing could get through until an operator fixes it; the spool keeps the data meanwhile).
 */
export class Agent {
  readonly done: Promise<AgentExit>;
  private finish: (exit: AgentExit) => void = () => undefined;
  private readonly spool: Spool;
  private readonly delivery: Delivery;
  private readonly sampler: Sampler;
  private readonly ticker: Ticker;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly settings: AgentSettings,
    private readonly logger: AgentLogger,
    options: AgentOptions = {},
  ) {
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
    this.spool = new Spool({ dir: settings.spoolDir, maxBytes: settings.spoolMaxBytes, logger });
    const send = options.send ?? ((body, key, signal) => postIngest(settings, body, key, signal));
    this.delivery = new Delivery({
      spool: this.spool,
      send,
      logger,
      ...(options.backoff ? { backoff: options.backoff } : {}),
      onFatal: (outcome) => {
        logger.error(
          { status: outcome.status, reason: outcome.reason, server: settings.server },
          'the server refused the token: check --token / VITALS_AGENT_TOKEN (it needs the ingest scope); stopping',
        );
        void this.stop({ reason: 'token-rejected', status: outcome.status, message: outcome.reason });
      },
    });
    this.sampler = new Sampler(options.collectors ?? defaultCollectors(), logger);
    this.ticker = new Ticker({ intervalMs: settings.intervalMs, tick: (at) => this.collect(at) });
  }

  /** Primes the counters, replays what the spool holds, and starts collecting. */
  async start(): Promise<void> {
    await this.sampler.sample(0);
    this.delivery.kick();
    this.ticker.start();
    const { server, hostId, intervalMs, spoolDir } = this.settings;
    this.logger.info(
      { server, hostId, intervalMs, spoolDir, pending: this.spool.pendingSnapshots },
      'agent started',
    );
  }

  get stats(): DeliveryStats & { pending: number; droppedFull: number } {
    return { ...this.delivery.stats, pending: this.spool.pendingSnapshots, droppedFull: this.spool.dropped };
  }

  /** Stops collecting and sending; whatever is unsent stays in the spool for the next start. Safe twice. */
  stop(exit: AgentExit = { reason: 'stopped' }): Promise<void> {
    this.stopping ??= (async () => {
      await this.ticker.stop();
      await this.delivery.close();
      this.spool.close();
      this.logger.info({ pending: this.spool.pendingSnapshots }, 'agent stopped');
      this.finish(exit);
    })();
    return this.stopping;
  }

  private async collect(timestamp: number): Promise<void> {
    const { hostId, name, labels, batchMax } = this.settings;
    try {
      // Spooled even while stopping: stop() waits for this tick before it closes the spool.
      const snapshot = await this.sampler.sample(timestamp);
      const meta = { host: hostId, name, ...(Object.keys(labels).length > 0 ? { labels } : {}) };
      this.spool.append(meta, snapshot, batchMax);
      this.logger.debug({ timestamp, series: Object.keys(snapshot.metrics).length }, 'snapshot spooled');
      this.delivery.kick();
    } catch (err: unknown) {
      this.logger.error({ err }, 'cannot spool a snapshot');
    }
  }
}
