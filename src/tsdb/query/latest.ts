import type { TsdbContext } from '../options.ts';
import { asBuffers, execHost, execHosts } from './pipeline.ts';
import { lookupIds } from './resolve.ts';
import type { Sample } from './types.ts';

/**
 * The newest sample per series: from the hot tier, else from the host's `latest` HASH. Without
 * `seriesKeys`, every series of the host: the hot tier answers when it holds the host (the series this
 * process serves), else Redis. Unknown series are left out of the answer. With `hotReads: 'none'`,
 * always Redis: another process may have written a newer value than this one's hot tier holds.
 */
export async function latest(
  ctx: TsdbContext,
  org: string,
  host: string,
  seriesKeys?: readonly string[],
): Promise<ReadonlyMap<string, Sample>> {
  if (!seriesKeys) return (await latestMany(ctx, org, [host])).get(host) ?? new Map();
  const out = new Map<string, Sample>();
  const cold: string[] = [];
  for (const key of seriesKeys) {
    const sample = hotAnswers(ctx) ? ctx.hot.newest(org, host, key) : undefined;
    if (sample) out.set(key, sample);
    else cold.push(key);
  }
  const ids = await lookupIds(ctx, org, host, cold);
  if (ids.size === 0) return out;
  const keys = [...ids.keys()];
  const [reply] = await execHost(ctx.redis, (p) =>
    p.hmgetBuffer(ctx.keys.latest(org, host), ...[...ids.values()].map(String)),
  );
  asBuffers(reply).forEach((buf, i) => {
    const key = keys[i];
    if (buf && key !== undefined) out.set(key, decodeLatest(buf));
  });
  return out;
}

/**
 * Every series' newest sample for many hosts (an overview page). Hosts the hot tier holds are answered
 * from memory; the rest in one pipeline (one per host on Cluster): each host's `latest` HASH with its
 * registry (names string or series HASH), which names the ids.
 */
export async function latestMany(
  ctx: TsdbContext,
  org: string,
  hosts: readonly string[],
): Promise<Map<string, ReadonlyMap<string, Sample>>> {
  const out = new Map<string, ReadonlyMap<string, Sample>>();
  const cold: string[] = [];
  for (const host of new Set(hosts)) {
    const held = fromHot(ctx, org, host);
    if (held) out.set(host, held);
    else cold.push(host);
  }
  if (cold.length === 0) return out;
  const replies = await execHosts(
    ctx.redis,
    cold.map((host) => (p) => {
      p.hgetallBuffer(ctx.keys.latest(org, host));
    }),
  );
  const hashes = cold.map((_, i) => (replies[i]?.[0] ?? {}) as Record<string, Buffer>);
  // Ids are cached for ever once seen; only hosts with ids this process never saw cost a second read.
  const unknown = cold.filter((host, i) =>
    Object.keys(hashes[i] ?? {}).some((id) => ctx.series.cachedKey(org, host, Number(id)) === undefined),
  );
  await Promise.all(unknown.map((host) => ctx.series.all(org, host)));
  cold.forEach((host, i) => {
    out.set(host, fromLatestHash(ctx, org, host, hashes[i] ?? {}));
  });
  return out;
}

function fromHot(ctx: TsdbContext, org: string, host: string): ReadonlyMap<string, Sample> | undefined {
  return hotAnswers(ctx) ? ctx.hot.newestOf(org, host) : undefined;
}

/** Whether the hot tier may answer newest-value reads (not with `hotReads: 'none'`). */
function hotAnswers(ctx: TsdbContext): boolean {
  return ctx.options.hotReads !== 'none';
}

function fromLatestHash(
  ctx: TsdbContext,
  org: string,
  host: string,
  byId: Record<string, Buffer>,
): Map<string, Sample> {
  const out = new Map<string, Sample>();
  for (const [id, buf] of Object.entries(byId)) {
    const key = ctx.series.cachedKey(org, host, Number(id));
    // An id without a name cannot be addressed by a seriesKey; the registry writes both atomically.
    if (key !== undefined && buf.length >= 16) out.set(key, decodeLatest(buf));
  }
  return out;
}

/** 16 bytes: timestamp then value, float64 little-endian (written by the writer's flush). */
export function decodeLatest(buf: Buffer): Sample {
  return { timestamp: buf.readDoubleLE(0), value: buf.readDoubleLE(8) };
}
