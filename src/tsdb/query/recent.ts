import type { TsdbContext } from '../options.ts';
import { concatPoints, emptyPoints, type Points, slicePoints } from '../points.ts';
import { fetchRawWindows } from './read-raw.ts';
import { byHost, lookupIds, perHost, splitByHot } from './resolve.ts';
import type { SeriesSelector } from './types.ts';
import { readIndexes, unionWindows } from './windows.ts';

/**
 * The newest `n` raw points per series, oldest first. From the hot tier when it holds at least `n`
 * points of a series; otherwise read back from Redis window by window, newest first, until `n`.
 */
export async function recent(
  ctx: TsdbContext,
  org: string,
  host: string,
  seriesKeys: readonly string[],
  n: number,
): Promise<Map<string, Points>> {
  const { hot, cold } = splitByHot(ctx, org, host, seriesKeys, (p) =>
    p.timestamps.length >= n ? newest(p, n) : undefined,
  );
  const ids = await lookupIds(ctx, org, host, cold);
  const read = await readNewest(ctx, org, host, [...ids.values()], n, Number.NEGATIVE_INFINITY);
  const out = new Map<string, Points>();
  for (const key of seriesKeys) {
    const id = ids.get(key);
    out.set(key, hot.get(key) ?? (id === undefined ? undefined : read.get(id)) ?? emptyPoints);
  }
  return out;
}

/** `recent` for series of several hosts at once (hosts are read concurrently). */
export function recentMany(
  ctx: TsdbContext,
  org: string,
  selectors: readonly SeriesSelector[],
  n: number,
): Promise<Map<string, Map<string, Points>>> {
  return perHost(byHost(selectors), (host, keys) => recent(ctx, org, host, keys, n));
}

/**
 * The newest `n` points (at or after `notBefore`) of each id, reading windows newest first in batches
 * of 1, 2, 4… windows: a live series is usually done after one round trip, a sparse one after a few.
 */
export async function readNewest(
  ctx: TsdbContext,
  org: string,
  host: string,
  ids: readonly number[],
  n: number,
  notBefore: number,
): Promise<Map<number, Points>> {
  const found = new Map<number, Points[]>(ids.map((id) => [id, []]));
  if (ids.length === 0 || n <= 0) return new Map(ids.map((id) => [id, emptyPoints]));
  const index = await readIndexes(ctx, org, host, notBefore, Number.POSITIVE_INFINITY, false);
  const windows = unionWindows(index.raw, index.heads).reverse();
  const counts = new Map<number, number>(ids.map((id) => [id, 0]));
  for (let at = 0, size = 1; at < windows.length; at += size, size *= 2) {
    const pending = ids.filter((id) => (counts.get(id) ?? 0) < n);
    if (pending.length === 0) break;
    const batch = new Set(windows.slice(at, at + size));
    const sealed = index.raw.filter((ws) => batch.has(ws));
    const heads = index.heads.filter((ws) => batch.has(ws));
    const read = await fetchRawWindows(ctx, org, host, pending, sealed, heads);
    for (const [id, points] of read) {
      found.get(id)?.unshift(points);
      counts.set(id, (counts.get(id) ?? 0) + points.timestamps.length);
    }
  }
  const out = new Map<number, Points>();
  for (const [id, parts] of found)
    out.set(id, newest(slicePoints(concatPoints(parts), notBefore, Number.POSITIVE_INFINITY), n));
  return out;
}

function newest(points: Points, n: number): Points {
  const len = points.timestamps.length;
  if (len <= n) return points;
  const from = len - Math.max(0, n);
  return { timestamps: points.timestamps.subarray(from), values: points.values.subarray(from) };
}
