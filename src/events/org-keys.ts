import type { Keys, RedisClient } from '../redis/index.ts';

/** A stats field counting one window: `c:<window start>` (events) or `e:<window start>` (errors). */
const WINDOW_FIELD = /^[ce]:(\d+)$/;

/**
 * Every key holding the org's connection events: the set of its types, and per type the stats hash
 * and each hour block it counts (a block and its count are written by the same script, and expire
 * together with retention). Read from those, not by a key SCAN.
 */
export async function eventDataKeys(redis: RedisClient, keys: Keys, org: string): Promise<string[]> {
  const out = [keys.eventTypes(org)];
  for (const type of await redis.smembers(keys.eventTypes(org))) {
    const stats = keys.eventStats(org, type);
    const windows = new Set<number>();
    for (const field of await redis.hkeys(stats)) {
      const start = WINDOW_FIELD.exec(field)?.[1];
      if (start !== undefined) windows.add(Number(start));
    }
    out.push(stats, ...[...windows].map((start) => keys.eventBlock(org, type, start)));
  }
  return out;
}
