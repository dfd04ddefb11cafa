import { execGrouped } from '../../redis/index.ts';
import type { AggregateFn, TsdbContext } from '../../tsdb/index.ts';
import { aggregate, range, registryEntries } from '../../tsdb/index.ts';
import type { Reduction } from '../contract.ts';
import type { Window } from './reduce.ts';
import { type SeriesInfo, seriesInfo } from './select.ts';

/** A host's series and the newest sample time of each, read from Redis (never the hot tier). */
export interface HostIndex {
  readonly series: readonly SeriesInfo[];
  readonly keys: ReadonlySet<string>;
  /** Series key → timestamp of its newest sample. */
  readonly newest: ReadonlyMap<string, number>;
  /** Newest sample of any series of the host, or undefined when it never reported. */
  readonly lastSeen: number | undefined;
}

/** Hosts read at once; each host is one pipeline (its keys share one hash tag). */
const CONCURRENCY = 64;
/** Windows up to this long are read raw; longer ones from 1-minute rollups. */
export const RAW_WINDOW_MAX_MS = 12 * 3_600_000;
/** Buckets a long window is read in at most (the step is rounded to whole minutes). */
const LONG_WINDOW_BUCKETS = 720;
/** Points per series one raw read returns at most (5 s samples over 12 h fit). */
const RAW_LIMIT = 100_000;

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Series and newest sample times of many hosts: per host one pipeline of HGETALL of its series
 * registry and of its `latest` HASH. Redis, not the hot tier: with several server processes the hot
 * tier of this one may hold an old sample of a host that now pushes to another (a false "host down").
 */
export async function readIndexes(
  ctx: TsdbContext,
  org: string,
  hosts: readonly string[],
): Promise<Map<string, HostIndex>> {
  const results = await pool(hosts, CONCURRENCY, async (host) => {
    const series = ctx.keys.series(org, host);
    const names = ctx.keys.names(org, host);
    const latest = ctx.keys.latest(org, host);
    const [hash, namesBytes, newest] = await execGrouped(ctx.redis, [
      { key: series, add: (p) => p.hgetall(series) },
      { key: names, add: (p) => p.getBuffer(names) },
      { key: latest, add: (p) => p.hgetallBuffer(latest) },
    ]);
    return indexOf(
      registryEntries((hash ?? {}) as Record<string, string>, (namesBytes ?? null) as Buffer | null),
      (newest ?? {}) as Record<string, Buffer>,
    );
  });
  return new Map(hosts.map((h, i) => [h, results[i] as HostIndex]));
}

function indexOf(series: readonly [number, string][], latest: Record<string, Buffer>): HostIndex {
  const byId = new Map<string, string>();
  for (const [id, key] of series) byId.set(String(id), key);
  const newest = new Map<string, number>();
  let lastSeen: number | undefined;
  for (const [id, buf] of Object.entries(latest)) {
    const key = byId.get(id);
    if (!key || buf.length < 16) continue;
    const t = buf.readDoubleLE(0);
    newest.set(key, t);
    lastSeen = lastSeen === undefined ? t : Math.max(lastSeen, t);
  }
  const keys = new Set(byId.values());
  return { series: [...keys].map(seriesInfo), keys, newest, lastSeen };
}

/** One read of one host: these series over `[to − windowMs, to]`, reduced later by `reduction`. */
export interface ReadRequest {
  readonly host: string;
  readonly windowMs: number;
  readonly reduction: Reduction;
  readonly keys: readonly string[];
}

/** Requests grouped so that each (host, window, tier function) is read once for every rule sharing it. */
export class ReadPlan {
  private readonly groups = new Map<
    string,
    { host: string; windowMs: number; fn: AggregateFn | 'raw'; keys: Set<string> }
  >();

  static groupOf(windowMs: number, reduction: Reduction): AggregateFn | 'raw' {
    if (windowMs <= RAW_WINDOW_MAX_MS) return 'raw';
    return reduction === 'rate' ? 'last' : reduction;
  }

  add(req: ReadRequest): void {
    const fn = ReadPlan.groupOf(req.windowMs, req.reduction);
    const id = `${req.host}\u0000${req.windowMs}\u0000${fn}`;
    let g = this.groups.get(id);
    if (!g) {
      g = { host: req.host, windowMs: req.windowMs, fn, keys: new Set() };
      this.groups.set(id, g);
    }
    for (const k of req.keys) g.keys.add(k);
  }

  /** Reads every group (hosts concurrently, bounded) and returns a lookup of the windows. */
  async run(ctx: TsdbContext, org: string, to: number): Promise<WindowLookup> {
    const groups = [...this.groups.entries()];
    const answers = await pool(groups, CONCURRENCY, ([, g]) => readGroup(ctx, org, to, g));
    const windows = new Map<string, ReadonlyMap<string, Window>>();
    groups.forEach(([id], i) => {
      windows.set(id, answers[i] as ReadonlyMap<string, Window>);
    });
    return (host, windowMs, reduction, key) =>
      windows.get(`${host}\u0000${windowMs}\u0000${ReadPlan.groupOf(windowMs, reduction)}`)?.get(key);
  }
}

export type WindowLookup = (
  host: string,
  windowMs: number,
  reduction: Reduction,
  key: string,
) => Window | undefined;

async function readGroup(
  ctx: TsdbContext,
  org: string,
  to: number,
  g: { host: string; windowMs: number; fn: AggregateFn | 'raw'; keys: Set<string> },
): Promise<ReadonlyMap<string, Window>> {
  const from = to - g.windowMs;
  const keys = [...g.keys];
  if (g.fn === 'raw') {
    const raw = await range(ctx, org, g.host, keys, from, to, RAW_LIMIT);
    return new Map([...raw].map(([k, r]) => [k, r.points]));
  }
  const step = Math.max(60_000, Math.round(g.windowMs / LONG_WINDOW_BUCKETS / 60_000) * 60_000);
  const result = await aggregate(ctx, org, g.host, keys, from, to, step, g.fn);
  return result.series;
}
