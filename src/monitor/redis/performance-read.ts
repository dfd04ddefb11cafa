import {
  CollectError,
  type InfoSections,
  SampleSet,
  sectionSamples,
  withRedisTarget,
} from '../../collect/index.ts';
import { containsSealed } from '../../contract/index.ts';
import { isUnavailable, type RedisClient } from '../../redis/index.ts';
import {
  aggregate,
  hotLatestMany,
  latest,
  orHot,
  QueryUnavailableError,
  type TsdbContext,
} from '../../tsdb/index.ts';
import { nodeOf, readInfo } from './info.ts';
import { type LatencyEvent, readLatencyLatest, readSlowlog, type SlowEntry } from './live.ts';
import type { Trend } from './trend.ts';

/** What a Redis answered just now; a part it did not answer is undefined. */
export interface LiveReads {
  readonly info?: InfoSections;
  readonly slowlog?: readonly SlowEntry[];
  readonly latency?: readonly LatencyEvent[];
}

/** What a monitored Redis host is to the reader: its collector settings. */
export interface TargetHost {
  readonly id: string;
  readonly collector: { readonly kind: string; readonly settings: Readonly<Record<string, unknown>> };
}

function settled<T>(result: PromiseSettledResult<T>): T | undefined {
  return result.status === 'fulfilled' ? result.value : undefined;
}

async function readAll(
  info: () => Promise<InfoSections>,
  slowlog: () => Promise<SlowEntry[]>,
  latency: () => Promise<LatencyEvent[]>,
): Promise<LiveReads> {
  // A user without SLOWLOG or LATENCY rights still gets INFO, and the reverse.
  const [i, s, l] = await Promise.allSettled([info(), slowlog(), latency()]);
  return { info: settled(i), slowlog: settled(s), latency: settled(l) };
}

/** Vitals' own Redis, read live over the request connection (nothing while it is away). */
export async function readOwn(redis: RedisClient): Promise<LiveReads> {
  if (redis.status !== 'ready') return {};
  return readAll(
    () => readInfo(redis),
    () => readSlowlog(nodeOf(redis)),
    () => readLatencyLatest(nodeOf(redis)),
  );
}

/** A monitored Redis host, over a short-lived connection made from its collector settings. */
export async function readTarget(host: TargetHost, timeoutMs: number): Promise<LiveReads> {
  if (containsSealed(host.collector.settings)) return {};
  try {
    return await withRedisTarget(host.collector.settings, { timeoutMs }, (client) =>
      readAll(
        async () => readInfo(client),
        () => readSlowlog(client),
        () => readLatencyLatest(client),
      ),
    );
  } catch (err: unknown) {
    if (err instanceof CollectError) return {};
    throw err;
  }
}

/** The newest value of each series: from live INFO when it answered (`at` = now), else as stored. */
export interface Current {
  readonly values: ReadonlyMap<string, number>;
  readonly at: number | undefined;
  /** True when storage could not be read (Redis away) and the hot tier answered alone. */
  readonly partial: boolean;
}

export async function currentValues(
  ctx: TsdbContext,
  org: string,
  host: string,
  info: InfoSections | undefined,
  now: number,
): Promise<Current> {
  if (info !== undefined) {
    const set = new SampleSet(now);
    if (sectionSamples(info, set) > 0) {
      const values = new Map(Object.entries(set.latest()).map(([k, s]) => [k, s.value]));
      return { values, at: now, partial: false };
    }
  }
  const stored = await orHot(
    ctx,
    () => latest(ctx, org, host),
    () => hotLatestMany(ctx, org, [host]).get(host) ?? new Map(),
  );
  const values = new Map<string, number>();
  let at: number | undefined;
  for (const [key, sample] of stored.value) {
    values.set(key, sample.value);
    at = Math.max(at ?? 0, sample.timestamp);
  }
  return { values, at, partial: stored.partial };
}

/** The last hour of `keys`, one point per minute (last value), or nothing while storage is away. */
export async function lastHour(
  ctx: TsdbContext,
  org: string,
  host: string,
  keys: readonly string[],
  now: number,
): Promise<{ series: Map<string, Trend>; partial: boolean }> {
  try {
    const result = await aggregate(ctx, org, host, keys, now - 3_600_000, now, 60_000, 'last');
    const series = new Map<string, Trend>();
    for (const [key, points] of result.series) {
      series.set(
        key,
        Array.from(points.timestamps, (timestamp, i) => ({ timestamp, value: points.values[i] ?? 0 })),
      );
    }
    return { series, partial: false };
  } catch (err: unknown) {
    if (!(err instanceof QueryUnavailableError) && !isUnavailable(err)) throw err;
    return { series: new Map(), partial: true };
  }
}
