import type { Logger } from '../../config/index.ts';
import { type IngestRequest, seriesKey } from '../../contract/index.ts';
import type { CommandTimings, RedisClient } from '../../redis/index.ts';
import type { QueueStats, QueueWatch } from './queue.ts';

/** Host id of the process' own figures in org `default`. */
export const SELF_HOST = 'vitals';

export interface SelfMetricsDeps {
  readonly redis: RedisClient;
  /** The lock key of one interval slot (under the runtime's key prefix). */
  readonly lockKey: (slot: number) => string;
  readonly intervalMs: number;
  readonly timings: CommandTimings;
  readonly queue?: QueueWatch;
  /** Registers host `vitals` (kind push, label role=self) if missing. */
  readonly ensureHost: () => Promise<void>;
  /** Stores a push in org `default`, as the built-in agent does. */
  readonly push: (request: IngestRequest) => Promise<unknown>;
  readonly logger: Logger;
  readonly now?: () => number;
}

function queueMetrics(stats: QueueStats | undefined): Record<string, number> {
  if (!stats) return {};
  const out: Record<string, number> = {
    'vitals.queue.waiting': stats.waiting,
    'vitals.queue.active': stats.active,
    'vitals.queue.delayed': stats.delayed,
    'vitals.queue.failed': stats.failed,
    'vitals.queue.failure_rate_pct': Math.round(stats.failureRatio * 10_000) / 100,
  };
  for (const [which, p] of [
    ['wait', stats.waitMs],
    ['processing', stats.processingMs],
  ] as const) {
    if (!p) continue;
    out[`vitals.queue.${which}_p50_ms`] = p.p50;
    out[`vitals.queue.${which}_p95_ms`] = p.p95;
    out[`vitals.queue.${which}_p99_ms`] = p.p99;
  }
  return out;
}

function commandMetrics(timings: CommandTimings): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [command, s] of Object.entries(timings.snapshot())) {
    const labels = { command, kind: s.kind };
    const put = (field: string, value: number) => {
      out[seriesKey(`vitals.redis.command.${field}`, labels)] = value;
    };
    put('p50_ms', s.p50Ms);
    put('p95_ms', s.p95Ms);
    put('p99_ms', s.p99Ms);
    put('max_ms', s.maxMs);
    put('calls', s.count);
    put('errors', s.errors);
    put('slow', s.slow);
  }
  return out;
}

/**
 * Every interval, one process (whichever takes the interval's `SET NX PX` lock first) stores its queue
 * figures and client-side command timings as series of host `vitals` in org `default`. Command figures
 * are those of the process that wrote the sample, since it started.
 */
export class SelfMetrics {
  private timer: NodeJS.Timeout | undefined;
  private registered = false;
  private running: Promise<boolean> | undefined;
  private readonly token = `${process.pid}-${Math.random().toString(36).slice(2)}`;

  constructor(private readonly deps: SelfMetricsDeps) {}

  start(): void {
    this.timer ??= setInterval(() => void this.runOnce(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round: true when this process took the interval's lock and stored the figures. */
  runOnce(): Promise<boolean> {
    this.running ??= this.round()
      .catch((err: unknown) => {
        this.deps.logger.warn({ err }, 'self-metrics not stored this interval');
        return false;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async round(): Promise<boolean> {
    const { redis, intervalMs } = this.deps;
    if (redis.status !== 'ready') return false;
    const now = (this.deps.now ?? Date.now)();
    const slot = Math.floor(now / intervalMs);
    const taken = await redis.set(this.deps.lockKey(slot), this.token, 'PX', intervalMs * 2, 'NX');
    if (taken !== 'OK') return false;
    const metrics = {
      ...queueMetrics(await this.deps.queue?.current()),
      ...commandMetrics(this.deps.timings),
    };
    if (!this.registered) {
      await this.deps.ensureHost();
      this.registered = true;
    }
    await this.deps.push({
      hosts: [{ host: SELF_HOST, labels: { role: 'self' }, snapshots: [{ timestamp: now, metrics }] }],
    });
    return true;
  }
}
