import { isUnavailable } from '../../redis/index.ts';
import type { TsdbContext } from '../options.ts';
import { emptyPoints, type Points } from '../points.ts';
import { QueryUnavailableError } from './pipeline.ts';
import type { Sample } from './types.ts';

/** An answer, and whether it came from the hot tier alone because Redis could not be reached. */
export interface MaybePartial<T> {
  readonly value: T;
  /** True when Redis could not be asked: the answer holds only what this process' hot tier holds. */
  readonly partial: boolean;
}

function unreachable(err: unknown): boolean {
  return err instanceof QueryUnavailableError || isUnavailable(err);
}

/**
 * Reads from Redis, or — while Redis cannot be reached (not connected, or past the command deadline)
 * — answers from the hot tier and says so. Any other failure is thrown: it is a bug, not an outage.
 */
export async function orHot<T>(
  ctx: TsdbContext,
  read: () => Promise<T>,
  hot: () => T,
): Promise<MaybePartial<T>> {
  if (ctx.redis.status !== 'ready') return { value: hot(), partial: true };
  try {
    return { value: await read(), partial: false };
  } catch (err: unknown) {
    if (!unreachable(err)) throw err;
    return { value: hot(), partial: true };
  }
}

/** The series of a host the hot tier holds, sorted. */
export function hotSeries(ctx: TsdbContext, org: string, host: string): string[] {
  return [...(ctx.hot.newestOf(org, host)?.keys() ?? [])].sort();
}

/** The newest held sample of each series (series the tier does not hold are left out). */
export function hotLatest(
  ctx: TsdbContext,
  org: string,
  host: string,
  seriesKeys: readonly string[],
): Map<string, Sample> {
  const out = new Map<string, Sample>();
  for (const key of seriesKeys) {
    const sample = ctx.hot.newest(org, host, key);
    if (sample) out.set(key, sample);
  }
  return out;
}

/** The newest held sample of every series of each host. */
export function hotLatestMany(
  ctx: TsdbContext,
  org: string,
  hosts: readonly string[],
): Map<string, ReadonlyMap<string, Sample>> {
  const out = new Map<string, ReadonlyMap<string, Sample>>();
  for (const host of hosts) out.set(host, ctx.hot.newestOf(org, host) ?? new Map());
  return out;
}

/** The newest `n` held points of each series (at most the tier's points per series). */
export function hotRecent(
  ctx: TsdbContext,
  org: string,
  host: string,
  seriesKeys: readonly string[],
  n: number,
): Map<string, Points> {
  const out = new Map<string, Points>();
  for (const key of seriesKeys) {
    const points = ctx.hot.points(org, host, key) ?? emptyPoints;
    const from = Math.max(0, points.timestamps.length - n);
    out.set(key, { timestamps: points.timestamps.subarray(from), values: points.values.subarray(from) });
  }
  return out;
}
