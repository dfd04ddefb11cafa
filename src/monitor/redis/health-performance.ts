import { parseSeriesKey } from '../../contract/index.ts';
import type { PointSample } from '../../tsdb/index.ts';
import { type HealthStatus, worst } from '../health.ts';
import type { RedisFigures } from './health-figures.ts';
import { atLeast } from './health-resources.ts';
import type { Judged, RedisHealthThresholds } from './health-types.ts';
import { round2 } from './health-types.ts';

/** Command latency and errors, from the client side (Vitals' own Redis) or the server side (INFO). */
export interface CommandFigures {
  /** The latency judged (ms), undefined without calls. */
  readonly latencyMs: number | undefined;
  /** How it was measured, e.g. `p95 of Vitals' commands over the last 60 s`. */
  readonly latencyOf: string;
  readonly calls: number | undefined;
  readonly errors: number | undefined;
  readonly slowest?: { readonly command: string; readonly ms: number };
}

interface SubFigure {
  readonly value: number | undefined;
  readonly unit: string;
  readonly status: HealthStatus;
  readonly thresholds: { readonly warn: number | null; readonly fail: number | null };
  readonly output: string;
}

/**
 * Calls a window must hold before its latency and error rate are judged: a handful of commands (a
 * process starting: its connections' ready checks, the first INFO, while the event loop is still busy
 * loading) make a p95 of noise.
 */
const MIN_CALLS = 100;

function latencyFigure(c: CommandFigures, t: RedisHealthThresholds): SubFigure {
  const thresholds = t.latencyMs;
  if (c.latencyMs === undefined)
    return {
      value: undefined,
      unit: 'ms',
      status: 'pass',
      thresholds,
      output: `no command latency known (${c.latencyOf})`,
    };
  const ms = round2(c.latencyMs);
  if (c.calls !== undefined && c.calls < MIN_CALLS)
    return {
      value: ms,
      unit: 'ms',
      status: 'pass',
      thresholds,
      output: `command latency ${ms} ms, not judged before ${MIN_CALLS} calls (${c.calls} so far, ${c.latencyOf})`,
    };
  const slowest = c.slowest
    ? ` (slowest: ${c.slowest.command.toUpperCase()} ${round2(c.slowest.ms)} ms)`
    : '';
  return {
    value: ms,
    unit: 'ms',
    status: atLeast(ms, thresholds.warn, thresholds.fail),
    thresholds,
    output: `command latency ${ms} ms, ${c.latencyOf}${slowest}`,
  };
}

function hitRateFigure(f: RedisFigures, t: RedisHealthThresholds, judged: boolean): SubFigure {
  const thresholds = t.hitRatePct;
  const hits = f.num('stats', 'keyspace_hits');
  const misses = f.num('stats', 'keyspace_misses');
  if (hits === undefined || misses === undefined)
    return { value: undefined, unit: '%', status: 'pass', thresholds, output: 'hit rate not known' };
  const total = hits + misses;
  const pct = total === 0 ? undefined : round2((100 * hits) / total);
  if (!judged)
    return {
      value: pct,
      unit: '%',
      status: 'pass',
      thresholds,
      output: `hit rate ${pct ?? 'N/A'} %, not judged: Vitals' own lookups miss by design (idempotency keys, cache)`,
    };
  if (total < 100)
    return {
      value: pct,
      unit: '%',
      status: 'pass',
      thresholds,
      output: `hit rate not judged before 100 lookups (${total} so far)`,
    };
  const rate = pct ?? 0;
  const status: HealthStatus = rate < thresholds.fail ? 'fail' : rate < thresholds.warn ? 'warn' : 'pass';
  return {
    value: rate,
    unit: '%',
    status,
    thresholds,
    output: `hit rate ${rate} % (${hits} hits, ${misses} misses)`,
  };
}

function errorRateFigure(c: CommandFigures, t: RedisHealthThresholds): SubFigure {
  const thresholds = { warn: t.errorRateWarnPct, fail: null };
  if (c.calls === undefined || c.errors === undefined || c.calls === 0)
    return { value: undefined, unit: '%', status: 'pass', thresholds, output: 'no calls to judge errors by' };
  const pct = round2((100 * c.errors) / c.calls);
  if (c.calls < MIN_CALLS)
    return {
      value: pct,
      unit: '%',
      status: 'pass',
      thresholds,
      output: `error rate ${pct} %, not judged before ${MIN_CALLS} calls (${c.calls} so far)`,
    };
  return {
    value: pct,
    unit: '%',
    status: pct >= t.errorRateWarnPct ? 'warn' : 'pass',
    thresholds,
    output: `error rate ${pct} % (${c.errors} of ${c.calls} calls)`,
  };
}

/**
 * Latency, hit rate and error rate, each reported; the check is the worst of the three. The hit rate
 * is judged for monitored Redis servers only (`judgeHitRate`): most of Vitals' own lookups are meant to
 * miss (an Idempotency-Key seen for the first time, a cache entry not yet made), so its own Redis would
 * always look like a cache gone cold.
 */
export function judgePerformance(
  c: CommandFigures,
  f: RedisFigures,
  t: RedisHealthThresholds,
  judgeHitRate = true,
): Judged {
  const latency = latencyFigure(c, t);
  const hitRate = hitRateFigure(f, t, judgeHitRate);
  const errorRate = errorRateFigure(c, t);
  const parts = [latency, hitRate, errorRate];
  const status = worst(parts.map((p) => p.status));
  const shown = status === 'pass' ? parts : parts.filter((p) => p.status !== 'pass');
  return {
    status,
    observedValue: latency.value,
    observedUnit: 'ms',
    thresholds: t.latencyMs,
    figures: { latency, hitRate, errorRate },
    output: shown.map((p) => p.output).join('; '),
  };
}

/**
 * Server-side figures of a monitored Redis from its stored series: the highest `INFO latencystats`
 * p99 of any command (Redis ≥ 7), else the highest mean `usec_per_call`; errors from commandstats'
 * failed and rejected calls. All count from the server's start.
 */
export function storedCommandFigures(latest: ReadonlyMap<string, PointSample>): CommandFigures {
  let p99: { command: string; ms: number } | undefined;
  let mean: { command: string; ms: number } | undefined;
  let calls: number | undefined;
  let errors = 0;
  for (const [key, sample] of latest) {
    if (!key.startsWith('redis.latencystats.') && !key.startsWith('redis.commandstats.')) continue;
    const { name, labels } = parseSeriesKey(key);
    const command = labels.command ?? '?';
    const ms = sample.value / 1000;
    if (name === 'redis.latencystats.p99_usec' && (!p99 || ms > p99.ms)) p99 = { command, ms };
    if (name === 'redis.commandstats.usec_per_call' && (!mean || ms > mean.ms)) mean = { command, ms };
    if (name === 'redis.commandstats.calls') calls = (calls ?? 0) + sample.value;
    if (name === 'redis.commandstats.failed_calls' || name === 'redis.commandstats.rejected_calls')
      errors += sample.value;
  }
  const chosen = p99 ?? mean;
  return {
    latencyMs: chosen?.ms,
    latencyOf: p99
      ? 'the highest server-side p99 of any command (INFO latencystats)'
      : mean
        ? 'the highest server-side mean per call of any command (INFO commandstats)'
        : 'no latencystats or commandstats series stored',
    calls,
    errors: calls === undefined ? undefined : errors,
    ...(chosen && { slowest: chosen }),
  };
}
