import { randomUUID } from 'node:crypto';
import { SampleSet, sectionSamples } from '../../collect/index.ts';
import type { Logger } from '../../config/index.ts';
import { fromNumber, type IngestRequest } from '../../contract/index.ts';
import { isUnavailable, type Keys, type RedisClient } from '../../redis/index.ts';
import { readInfo } from './info.ts';

/** Host id under which Vitals' own Redis is stored, in org `default`. */
export const SELF_REDIS_HOST = 'vitals-redis';
export const SELF_ORG = 'default';

/** What the self-monitor needs of tenancy (`Tenancy` has this shape). */
export interface SelfHostRegistry {
  getHost(org: string, id: string, options?: { readonly fresh?: boolean }): Promise<unknown>;
  createHost(
    org: string,
    input: {
      id: string;
      name: string;
      labels: Record<string, string>;
      collector: { kind: 'push'; settings: Record<string, unknown> };
    },
  ): Promise<unknown>;
}

export interface SelfMonitorDeps {
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly logger: Logger;
  /** `VITALS_SELF_MONITOR_INTERVAL`. @defaultValue 15000 */
  readonly intervalMs: number;
  readonly hosts: SelfHostRegistry;
  /** The ingest service: samples go where every push goes (hot tier, writer, spool, live updates). */
  readonly ingest: { pushJson(org: string, body: IngestRequest): Promise<unknown> };
  readonly now?: () => number;
}

export interface SelfMonitorStatus {
  readonly running: boolean;
  readonly intervalMs: number;
  /** When this process last collected (ms), or null. */
  readonly lastRunAt: number | null;
  /** Why the last attempt failed, or null after a success. */
  readonly lastError: string | null;
}

/** What one tick did: `locked` = another process has this interval. */
export type TickOutcome = 'collected' | 'locked' | 'skipped' | 'failed';

/**
 * INFO of Vitals' own Redis every interval, stored as `redis.*` series of host `vitals-redis` in org
 * `default` (registered when missing: kind `push`, label role=self). Each interval is claimed with a
 * `SET NX PX` lock, so with several processes one collects it. While Redis is away it skips quietly.
 */
export class SelfMonitor {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<TickOutcome> | undefined;
  private registered = false;
  private lastRunAt: number | null = null;
  private lastError: string | null = null;
  private readonly owner = randomUUID();
  private readonly now: () => number;

  constructor(private readonly deps: SelfMonitorDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Starts the timer (idempotent); the first tick runs at once. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.deps.intervalMs);
    this.timer.unref();
    void this.tick();
  }

  /**
   * Stops the timer. A collection in flight is not waited for: its push is acknowledged by the
   * shutdown's flush, which runs after the timers stop (waiting here would wait for ever).
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  status(): SelfMonitorStatus {
    return {
      running: this.timer !== undefined,
      intervalMs: this.deps.intervalMs,
      lastRunAt: this.lastRunAt,
      lastError: this.lastError,
    };
  }

  /** One interval: skipped while Redis is away, left to another process that holds the lock. */
  tick(): Promise<TickOutcome> {
    this.inFlight ??= this.claimAndCollect().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** One collection without the lock (benchmarks time it): returns the samples pushed. */
  async collectOnce(): Promise<number> {
    const now = this.now();
    const set = new SampleSet(now);
    if (sectionSamples(await readInfo(this.deps.redis), set) === 0)
      throw new Error('INFO answered no known section');
    await this.register();
    const metrics: Record<string, ReturnType<typeof fromNumber>> = {};
    for (const [key, sample] of Object.entries(set.latest())) metrics[key] = fromNumber(sample.value);
    await this.deps.ingest.pushJson(SELF_ORG, {
      hosts: [{ host: SELF_REDIS_HOST, snapshots: [{ timestamp: now, metrics }] }],
    });
    return set.size;
  }

  private async claimAndCollect(): Promise<TickOutcome> {
    const { redis, keys, intervalMs, logger } = this.deps;
    if (redis.status !== 'ready') return 'skipped';
    try {
      const slot = Math.floor(this.now() / intervalMs);
      const won = await redis.set(keys.monitorLock('self-redis', slot), this.owner, 'PX', intervalMs, 'NX');
      if (won === null) return 'locked';
      await this.collectOnce();
      this.lastRunAt = this.now();
      this.lastError = null;
      return 'collected';
    } catch (err: unknown) {
      this.lastError = err instanceof Error ? err.message : String(err);
      // Redis going away between the check and the commands is expected: no noise in the log.
      if (isUnavailable(err)) logger.debug({ err }, 'own Redis not monitored this interval: Redis away');
      else logger.warn({ err }, 'own Redis not monitored this interval');
      return 'failed';
    }
  }

  private async register(): Promise<void> {
    if (this.registered) return;
    const { hosts } = this.deps;
    if ((await hosts.getHost(SELF_ORG, SELF_REDIS_HOST)) === undefined) {
      try {
        await hosts.createHost(SELF_ORG, {
          id: SELF_REDIS_HOST,
          name: "Vitals' own Redis",
          labels: { role: 'self' },
          collector: { kind: 'push', settings: {} },
        });
      } catch (err: unknown) {
        // Another process may have created it meanwhile.
        if ((await hosts.getHost(SELF_ORG, SELF_REDIS_HOST, { fresh: true })) === undefined) throw err;
      }
    }
    this.registered = true;
  }
}
