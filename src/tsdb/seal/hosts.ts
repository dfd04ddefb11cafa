import { loadScript, runScript } from '../lua/scripts.ts';
import type { TsdbContext } from '../options.ts';

const forgetScript = loadScript('seal-forget-6.lua');
const unindexScript = loadScript('seal-unindex-1.lua');

/** A host in the global hosts index, with its last write time (the index score). */
export interface IndexedHost {
  readonly org: string;
  readonly host: string;
  readonly lastWriteMs: number;
}

const SCAN_COUNT = 1000;

/**
 * Hosts whose last write is at or after `sinceMs`. ZSCAN rather than paging by rank: writers raise
 * scores while we list, which moves members between rank pages (and could skip one), whereas ZSCAN
 * returns every member present for the whole scan at least once.
 */
export async function listHosts(
  ctx: TsdbContext,
  sinceMs = Number.NEGATIVE_INFINITY,
): Promise<IndexedHost[]> {
  const found = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, flat] = await ctx.redis.zscan(ctx.keys.hostsIndex(), cursor, 'COUNT', SCAN_COUNT);
    for (let i = 0; i + 1 < flat.length; i += 2) found.set(flat[i] as string, Number(flat[i + 1]));
    cursor = next;
  } while (cursor !== '0');
  const out: IndexedHost[] = [];
  for (const [member, score] of found) {
    const at = member.indexOf(':');
    if (at > 0 && score >= sinceMs)
      out.push({ org: member.slice(0, at), host: member.slice(at + 1), lastWriteMs: score });
  }
  return out;
}

/** Runs `task` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const at = next++;
      results[at] = await task(items[at] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** Deletes the host's ids and latest values if it has no data left, then unlists it unless it wrote since. */
export async function forgetHost(
  ctx: TsdbContext,
  org: string,
  host: string,
  lastWriteMs: number,
): Promise<boolean> {
  const { keys } = ctx;
  const hostKeys = [
    keys.heads(org, host),
    keys.windowIndex(org, host, 'raw'),
    keys.windowIndex(org, host, '1m'),
    keys.hourlyIndex(org, host),
    keys.series(org, host),
    keys.latest(org, host),
  ];
  if ((await runScript(ctx.redis, forgetScript, hostKeys, [])) !== 1) return false;
  await runScript(ctx.redis, unindexScript, [keys.hostsIndex()], [`${org}:${host}`, lastWriteMs]);
  return true;
}
