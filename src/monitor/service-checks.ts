import type { TrackedReadsStats } from '../redis/index.ts';
import type { CheckResult, HealthCheck, HealthStatus } from './health.ts';

function check(
  componentType: string,
  componentId: string,
  status: HealthStatus,
  observedValue: number,
  observedUnit: string,
  extra: Record<string, unknown> = {},
  output?: string,
): CheckResult {
  return {
    componentType,
    componentId,
    status,
    observedValue,
    observedUnit,
    time: new Date().toISOString(),
    ...extra,
    ...(output ? { output } : {}),
  };
}

export interface WriterFigures {
  readonly pendingSamples: number;
  readonly inFlightSamples: number;
  readonly writtenSamples: number;
  readonly spooledSamples: number;
  readonly replayedRecords: number;
  readonly breaker: 'closed' | 'open' | 'half-open';
  readonly spoolBytes: number;
}

/** The write queue: samples waiting, in flight, written, spooled; `warn` while writes go to the spool. */
export function ingestQueueCheck(stats: () => WriterFigures): HealthCheck {
  return async () => {
    const s = stats();
    const degraded = s.breaker !== 'closed' || s.spoolBytes > 0;
    return [
      check(
        'component',
        'ingest-queue',
        degraded ? 'warn' : 'pass',
        s.pendingSamples,
        'samples',
        {
          pending: s.pendingSamples,
          inFlight: s.inFlightSamples,
          processed: s.writtenSamples,
          retried: s.spooledSamples,
          replayedRecords: s.replayedRecords,
          breaker: s.breaker,
          spoolBytes: s.spoolBytes,
        },
        degraded
          ? `Redis writes degraded: circuit ${s.breaker}, ${s.spoolBytes} bytes spooled on disk`
          : undefined,
      ),
    ];
  };
}

export interface CacheFigures {
  readonly hits: number;
  readonly misses: number;
  readonly entries: number;
  readonly hitRatePct: number;
  readonly fallbacks: number;
}

/** The query/overview cache: hit rate in %, with hits, misses and entries beside it. */
export function cacheCheck(stats: () => CacheFigures): HealthCheck {
  return async () => {
    const s = stats();
    return check('component', 'query-cache', 'pass', s.hitRatePct, '%', {
      hits: s.hits,
      misses: s.misses,
      entries: s.entries,
      fallbacks: s.fallbacks,
    });
  };
}

export type TrackedReadFigures = TrackedReadsStats;

/** The tracked read cache (VITALS_READ_CACHE_BYTES): hit rate, and whether Redis tracks for it now. */
export function trackedReadsCheck(stats: () => TrackedReadFigures | undefined): HealthCheck {
  return async () => {
    const s = stats();
    if (!s) return check('component', 'tracked-reads', 'pass', 0, '%', { active: false, enabled: false });
    const lookups = s.hits + s.misses;
    const rate = lookups === 0 ? 0 : Math.round((s.hits / lookups) * 1000) / 10;
    return check('component', 'tracked-reads', 'pass', rate, '%', { enabled: true, ...s });
  };
}

export interface DecodedBlockFigures {
  readonly entries: number;
  readonly bytes: number;
  readonly hits: number;
  readonly misses: number;
}

/** Decoded 1-minute blocks kept (VITALS_DECODE_CACHE_BYTES): hit rate, entries and bytes. */
export function decodedBlocksCheck(stats: () => DecodedBlockFigures | undefined): HealthCheck {
  return async () => {
    const s = stats();
    if (!s) return check('component', 'decoded-blocks', 'pass', 0, '%', { enabled: false });
    const lookups = s.hits + s.misses;
    const rate = lookups === 0 ? 0 : Math.round((s.hits / lookups) * 1000) / 10;
    return check('component', 'decoded-blocks', 'pass', rate, '%', { enabled: true, ...s });
  };
}

export interface IdempotencyFigures {
  readonly claims: number;
  readonly replays: number;
  readonly inProgress: number;
  readonly memoryFallbacks: number;
}

/** The idempotency store: keys claimed and retries answered; `warn` while it falls back to memory. */
export function idempotencyCheck(stats: () => IdempotencyFigures, redisUp: () => boolean): HealthCheck {
  return async () => {
    const s = stats();
    const up = redisUp();
    return check('datastore', 'idempotency-store', up ? 'pass' : 'warn', s.replays, 'replays', {
      claims: s.claims,
      inProgress: s.inProgress,
      memoryFallbacks: s.memoryFallbacks,
      backend: up ? 'redis' : 'memory',
    });
  };
}
