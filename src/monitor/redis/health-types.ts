import type { RedisHealthConfig } from '../../config/index.ts';
import type { CheckResult, HealthStatus } from '../health.ts';

/** The Redis health-check types, in the order reports list them. */
export const REDIS_HEALTH_TYPES = [
  'connectivity',
  'memory',
  'connections',
  'performance',
  'persistence',
  'configuration',
] as const;
export type RedisHealthType = (typeof REDIS_HEALTH_TYPES)[number];

/** Where a check's figures can be judged against: `warn` from this value on, `fail` from that one. */
export interface Thresholds {
  readonly warn: number | string | null;
  readonly fail: number | string | null;
}

/**
 * One Redis check: a CheckResult (status, observed value and unit, output sentence) with the thresholds
 * it was judged against. `unreachable` marks a fail that only says Redis did not answer, so `/health`
 * can report the process as degraded (`warn`) rather than broken.
 */
export interface RedisCheckResult extends CheckResult {
  readonly thresholds: Thresholds;
  readonly unreachable?: true;
}

/** What the checks are judged against: the VITALS_REDIS_* settings. */
export type RedisHealthThresholds = RedisHealthConfig;

export const DEFAULT_REDIS_HEALTH_THRESHOLDS: RedisHealthThresholds = {
  timeoutMs: 1000,
  memoryPct: { warn: 80, fail: 90 },
  fragmentation: { warn: 1.5, fail: 2 },
  connectionsPct: { warn: 80, fail: 95 },
  latencyMs: { warn: 100, fail: 1000 },
  hitRatePct: { warn: 80, fail: 70 },
  errorRateWarnPct: 5,
  saveAgeWarnMs: 7_200_000,
  perfWindowMs: 60_000,
};

/** The report of every check of one Redis. */
export interface RedisHealthReport {
  readonly status: HealthStatus;
  /** `vitals-redis` for Vitals' own Redis, else the monitored host's id. */
  readonly host: string;
  readonly checks: Record<RedisHealthType, RedisCheckResult>;
}

/** The fields of a check result, `time` and `componentType` added by `result()`. */
export interface Judged {
  readonly status: HealthStatus;
  readonly observedValue?: number | string | boolean;
  readonly observedUnit?: string;
  readonly thresholds: Thresholds;
  readonly output: string;
  readonly unreachable?: true;
  readonly [extra: string]: unknown;
}

export function result(host: string, judged: Judged, now: Date): RedisCheckResult {
  return { componentType: 'datastore', componentId: `redis:${host}`, ...judged, time: now.toISOString() };
}

/** Rounds to at most two decimals for display and JSON. */
export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
