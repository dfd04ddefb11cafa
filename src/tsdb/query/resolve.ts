import type { TsdbContext } from '../options.ts';
import type { Points } from '../points.ts';
import { QueryUnavailableError } from './pipeline.ts';

/**
 * Ids of the series among `seriesKeys` that Redis knows; unknown keys are left out (they have no data,
 * which is an empty answer, never an error). Nothing is allocated.
 */
export async function lookupIds(
  ctx: TsdbContext,
  org: string,
  host: string,
  seriesKeys: readonly string[],
): Promise<Map<string, number>> {
  if (seriesKeys.length === 0) return new Map();
  try {
    return await ctx.series.lookup(org, host, seriesKeys);
  } catch (err: unknown) {
    throw new QueryUnavailableError('reading series ids from Redis failed', { cause: err });
  }
}

/**
 * Splits series into those the hot tier answers (per `covers`) and those to read from Redis. With
 * `hotReads: 'latest'` (or `none`) the hot tier answers none of these queries: each process' hot tier holds only
 * its own writes, so with several processes sharing a host's pushes only Redis has every sample.
 */
export function splitByHot<T>(
  ctx: TsdbContext,
  org: string,
  host: string,
  seriesKeys: readonly string[],
  answer: (points: Points) => T | undefined,
): { hot: Map<string, T>; cold: string[] } {
  const hot = new Map<string, T>();
  const cold: string[] = [];
  if (ctx.options.hotReads !== undefined && ctx.options.hotReads !== 'all')
    return { hot, cold: [...new Set(seriesKeys)] };
  for (const key of new Set(seriesKeys)) {
    const points = ctx.hot.points(org, host, key);
    const result = points ? answer(points) : undefined;
    if (result === undefined) cold.push(key);
    else hot.set(key, result);
  }
  return { hot, cold };
}

/** Groups selectors by host (a host named twice is read once). */
export function byHost(
  selectors: ReadonlyArray<{ host: string; seriesKeys: readonly string[] }>,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of selectors) out.set(s.host, [...(out.get(s.host) ?? []), ...s.seriesKeys]);
  return out;
}

/** Runs `fn` for every host concurrently and collects the answers by host. */
export async function perHost<T>(
  hosts: Map<string, string[]>,
  fn: (host: string, keys: string[]) => Promise<T>,
): Promise<Map<string, T>> {
  const entries = [...hosts];
  const results = await Promise.all(entries.map(([host, keys]) => fn(host, keys)));
  return new Map(entries.map(([host], i) => [host, results[i] as T]));
}
