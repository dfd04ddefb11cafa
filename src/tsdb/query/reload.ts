import type { TsdbContext } from '../options.ts';
import { QueryUnavailableError } from './pipeline.ts';
import { readNewest } from './recent.ts';
import type { ReloadResult } from './types.ts';

/** Hosts loaded at once: enough to overlap round trips, few enough to leave Redis to live traffic. */
const CONCURRENCY = 8;

export interface ReloadOptions {
  /** Reload hosts written at or after this time (ms since epoch), and only their points since then. @defaultValue now − `hotReloadMs` */
  readonly sinceMs?: number;
}

/**
 * Start-up: fills the hot tier with the newest `hotPoints` points of every series of the hosts written
 * recently (most recently written first), reading each host's newest windows back until filled. Stops
 * taking series at `hotMaxSeries`.
 */
export async function reloadHotTier(ctx: TsdbContext, options: ReloadOptions = {}): Promise<ReloadResult> {
  const since = options.sinceMs ?? ctx.now() - ctx.options.hotReloadMs;
  const members = await recentHosts(ctx, since);
  let budget = Math.min(ctx.options.hotMaxSeries, ctx.hot.options.maxSeries) - ctx.hot.seriesCount;
  const totals = { hosts: 0, series: 0, points: 0 };
  for (let at = 0; at < members.length && budget > 0; at += CONCURRENCY) {
    const loads = members.slice(at, at + CONCURRENCY).map(async ({ org, host }) => {
      const all = [...(await seriesOf(ctx, org, host))];
      const taken = all.slice(0, Math.max(0, budget));
      budget -= taken.length;
      return loadHost(ctx, org, host, taken, since);
    });
    for (const loaded of await Promise.all(loads)) {
      totals.hosts += loaded.series > 0 ? 1 : 0;
      totals.series += loaded.series;
      totals.points += loaded.points;
    }
  }
  return { ...totals, full: budget <= 0 };
}

async function loadHost(
  ctx: TsdbContext,
  org: string,
  host: string,
  series: ReadonlyArray<readonly [number, string]>,
  since: number,
): Promise<{ series: number; points: number }> {
  const ids = series.map(([id]) => id);
  const newest = await readNewest(ctx, org, host, ids, ctx.options.hotPoints, since);
  let count = 0;
  let points = 0;
  for (const [id, key] of series) {
    const p = newest.get(id);
    if (!p || p.timestamps.length === 0) continue;
    for (let i = 0; i < p.timestamps.length; i++)
      ctx.hot.add(org, host, key, p.timestamps[i] as number, p.values[i] as number);
    count++;
    points += p.timestamps.length;
  }
  return { series: count, points };
}

/** `org:host` members of the hosts index written at or after `since`, newest first. */
async function recentHosts(ctx: TsdbContext, since: number): Promise<Array<{ org: string; host: string }>> {
  let members: string[];
  try {
    members = await ctx.redis.zrevrangebyscore(ctx.keys.hostsIndex(), '+inf', since);
  } catch (err: unknown) {
    throw new QueryUnavailableError('reading the hosts index failed', { cause: err });
  }
  // Org and host ids exclude ':', so the first one separates them.
  return members.flatMap((m) => {
    const at = m.indexOf(':');
    return at > 0 ? [{ org: m.slice(0, at), host: m.slice(at + 1) }] : [];
  });
}

async function seriesOf(ctx: TsdbContext, org: string, host: string): Promise<Map<number, string>> {
  try {
    return await ctx.series.all(org, host);
  } catch (err: unknown) {
    throw new QueryUnavailableError('reading series ids from Redis failed', { cause: err });
  }
}
