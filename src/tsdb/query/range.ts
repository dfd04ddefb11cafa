import type { TsdbContext } from '../options.ts';
import { emptyPoints, type Points, slicePoints } from '../points.ts';
import { readRaw } from './read-raw.ts';
import { byHost, lookupIds, perHost, splitByHot } from './resolve.ts';
import type { RangeSeries, SeriesSelector } from './types.ts';

/**
 * Raw points with from ≤ t ≤ to, oldest first, at most `limit` per series (`truncated` says when the
 * newest were cut). Answered from the hot tier when it reaches back to `from` (it holds a series'
 * newest points without gaps, so everything from `from` on is there); otherwise from Redis. Raw points
 * only: beyond raw retention the answer is empty and `aggregate` serves the rollups.
 */
export async function range(
  ctx: TsdbContext,
  org: string,
  host: string,
  seriesKeys: readonly string[],
  from: number,
  to: number,
  limit: number,
): Promise<Map<string, RangeSeries>> {
  const { hot, cold } = splitByHot(ctx, org, host, seriesKeys, (p) =>
    reaches(p, from) ? cut(slicePoints(p, from, to), limit) : undefined,
  );
  const ids = await lookupIds(ctx, org, host, cold);
  const raw = await readRaw(ctx, org, host, [...ids.values()], from, to);
  const out = new Map<string, RangeSeries>();
  for (const key of seriesKeys) {
    const id = ids.get(key);
    out.set(key, hot.get(key) ?? cut((id === undefined ? undefined : raw.get(id)) ?? emptyPoints, limit));
  }
  return out;
}

/** `range` for series of several hosts at once (hosts are read concurrently). */
export function rangeMany(
  ctx: TsdbContext,
  org: string,
  selectors: readonly SeriesSelector[],
  from: number,
  to: number,
  limit: number,
): Promise<Map<string, Map<string, RangeSeries>>> {
  return perHost(byHost(selectors), (host, keys) => range(ctx, org, host, keys, from, to, limit));
}

/** True when the held points start at or before `from`, so none newer than `from` are missing. */
export function reaches(points: Points, from: number): boolean {
  const oldest = points.timestamps[0];
  return oldest !== undefined && oldest <= from;
}

function cut(points: Points, limit: number): RangeSeries {
  const n = Math.max(0, Math.floor(limit));
  if (points.timestamps.length <= n) return { points, truncated: false };
  return {
    points: { timestamps: points.timestamps.subarray(0, n), values: points.values.subarray(0, n) },
    truncated: true,
  };
}
