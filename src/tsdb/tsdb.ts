import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Config, Logger } from '../config/index.ts';
import {
  createRedis,
  endedForGood,
  isUnavailable,
  type Keys,
  type RedisClient,
  TrackedReads,
  whenReady,
} from '../redis/index.ts';
import { createTsdbContext, tsdbOptions } from './context.ts';
import type { TsdbContext } from './options.ts';
import { reloadHotTier } from './query/index.ts';
import { runMaintenance, SweepSchedule } from './seal/index.ts';
import { openSpool } from './spool/index.ts';
import { SampleWriter } from './writer.ts';

export interface Tsdb {
  readonly ctx: TsdbContext;
  readonly writer: SampleWriter;
  /** Runs sealing and retention every `maintenanceIntervalMs` (per-host locks keep processes apart). */
  startMaintenance(): void;
  /** Stops the timer and waits for a run in progress. */
  stopMaintenance(): Promise<void>;
  /** Flushes pending writes (to Redis or the spool) and closes the spool. Idempotent. */
  close(): Promise<void>;
}

export interface OpenTsdbDeps {
  readonly config: Config;
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Overrides `<dataDir>/spool`, e.g. for one-shot CLI jobs that must not share the server's spool. */
  readonly spoolDir?: string;
  /** Tracked reads (VITALS_READ_CACHE_BYTES); one-shot CLI jobs go without. @defaultValue true */
  readonly trackedReads?: boolean;
  /** Decoded 1-minute blocks kept (VITALS_DECODE_CACHE_BYTES); one-shot CLI jobs go without. @defaultValue true */
  readonly decodedBlocks?: boolean;
}

/** Opens the storage engine: context, disk spool (replayed in the background if it holds data) and writer. */
export async function openTsdb(deps: OpenTsdbDeps): Promise<Tsdb> {
  const base = tsdbOptions(deps.config.storage, deps.config.server.dataDir);
  const options = {
    ...base,
    ...(deps.spoolDir ? { spoolDir: deps.spoolDir } : {}),
    ...(deps.decodedBlocks === false ? { decodeCacheBytes: 0 } : {}),
  };
  const limits = { perHost: deps.config.api.maxSeriesPerHost, perOrg: deps.config.api.maxSeriesPerOrg };
  const reads = trackedReads(deps);
  const ctx = { ...createTsdbContext(deps.redis, deps.keys, options, deps.now, limits), reads };
  const spool = await openSpool({ dir: options.spoolDir, maxBytes: options.spoolMaxBytes });
  if (!spool.isEmpty())
    deps.logger.info(
      { bytes: spool.size() },
      'disk spool holds data from an earlier run; it is replayed once Redis answers',
    );
  const writer = new SampleWriter(ctx, spool, { logger: deps.logger.child({ component: 'writer' }) });
  // Refill the hot tier in the background: start-up must not wait for it, nor fail when Redis is down.
  const stopReload = new AbortController();
  void reloadInBackground(ctx, deps.logger, stopReload.signal);
  let closing: Promise<void> | undefined;
  const maintenance = maintenanceLoop(
    ctx,
    deps.config.storage.maintenanceIntervalMs,
    deps.logger.child({ component: 'maintenance' }),
  );
  return {
    ctx,
    writer,
    startMaintenance: maintenance.start,
    stopMaintenance: maintenance.stop,
    close: () => {
      stopReload.abort();
      closing ??= maintenance
        .stop()
        .then(() => writer.close())
        .then(() => reads?.close());
      return closing;
    },
  };
}

/**
 * The tracked read cache (VITALS_READ_CACHE_BYTES) on two connections of its own: reads, and the
 * invalidations Redis sends about them. Not on Cluster: tracking is per node, and a read pipeline's
 * node would need its own subscriber.
 */
function trackedReads(deps: OpenTsdbDeps): TrackedReads | undefined {
  const { config, logger } = deps;
  if (deps.trackedReads === false) return undefined;
  if (config.storage.readCacheBytes <= 0 || config.redis.mode === 'cluster') return undefined;
  const connection = { config: config.redis, logger };
  return new TrackedReads(
    createRedis(connection, 'request', 'tracked-reads') as Redis,
    createRedis(connection, 'subscriber', 'tracked-reads-invalidations', { autoResubscribe: false }) as Redis,
    { maxBytes: config.storage.readCacheBytes, logger: logger.child({ component: 'tracked-reads' }) },
  );
}

/** Longest wait between two hot-tier reload attempts. */
const RELOAD_MAX_BACKOFF_MS = 5000;

/**
 * Reloads the hot tier once the connection is ready, retrying with backoff (250 ms doubling up to 5 s)
 * while Redis is unavailable, until it succeeds or the tsdb closes. Meanwhile the hot tier fills with
 * the data that arrives. A command error (not an outage) is logged and not retried.
 */
async function reloadInBackground(ctx: TsdbContext, logger: Logger, signal: AbortSignal): Promise<void> {
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      await whenReady(ctx.redis, signal);
      const result = await reloadHotTier(ctx);
      if (!signal.aborted) logger.info({ ...result, attempts: attempt + 1 }, 'hot tier reloaded from Redis');
      return;
    } catch (err: unknown) {
      if (signal.aborted) return;
      if (endedForGood(ctx.redis) || !isUnavailable(err)) {
        logger.warn({ err }, 'hot tier not reloaded; it fills as data arrives');
        return;
      }
      if (attempt === 0)
        logger.warn({ err }, 'hot tier not reloaded yet (Redis unavailable); retrying until it answers');
      const delayMs = Math.min(RELOAD_MAX_BACKOFF_MS, 250 * 2 ** Math.min(attempt, 5));
      await sleep(delayMs, undefined, { signal, ref: false }).catch(() => undefined);
    }
  }
}

function maintenanceLoop(ctx: TsdbContext, intervalMs: number, logger: Logger) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const schedule = new SweepSchedule(intervalMs);
  const tick = () => {
    if (running) return;
    running = runMaintenance(ctx, schedule.next(performance.now()))
      .then((run) => {
        if (run.windowsSealed > 0 || run.failures > 0)
          logger.info({ ...run, failureDetails: undefined }, 'maintenance run');
      })
      .catch((err: unknown) => logger.warn({ err }, 'maintenance run failed; retried next interval'))
      .finally(() => {
        running = undefined;
      });
  };
  return {
    start() {
      timer ??= setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
