import type { Keys, RedisClient } from '../redis/index.ts';

const SCAN_COUNT = 1000;

/**
 * Every key a host's samples are stored under, read from the host's own indexes rather than by a key
 * SCAN (which the least-privilege Redis user may not run, and which would walk every key of the
 * server): series ids, latest values, the seal lock, each head, sealed window and day of rollups, and
 * the indexes listing them. A head is listed in `heads` in the same pipeline that appends it, and
 * windows and days are indexed by the script that writes them, so nothing stored goes unlisted.
 */
export async function hostDataKeys(
  redis: RedisClient,
  keys: Keys,
  org: string,
  host: string,
): Promise<string[]> {
  const indexes = {
    heads: keys.heads(org, host),
    raw: keys.windowIndex(org, host, 'raw'),
    minute: keys.windowIndex(org, host, '1m'),
    days: keys.hourlyIndex(org, host),
  };
  // One pipeline: every key of a host shares its hash tag, so one Cluster slot.
  const replies = await redis
    .pipeline()
    .zrange(indexes.heads, 0, -1)
    .zrange(indexes.raw, 0, -1)
    .zrange(indexes.minute, 0, -1)
    .zrange(indexes.days, 0, -1)
    .exec();
  const [heads, raw, minute, days] = (replies ?? []).map(([err, value]) => {
    if (err) throw err;
    return (value as string[]).map(Number);
  });
  const windows = new Set([...(raw ?? []), ...(minute ?? [])]);
  return [
    ...Object.values(indexes),
    keys.series(org, host),
    keys.names(org, host),
    keys.latest(org, host),
    keys.sealLock(org, host),
    ...(heads ?? []).map((start) => keys.head(org, host, start)),
    ...[...windows].map((start) => keys.window(org, host, start)),
    ...(days ?? []).map((day) => keys.hourly(org, host, day)),
  ];
}

/** Hosts of the org that have stored samples, from the hosts index (members `<org>:<host>`). */
export async function indexedHosts(redis: RedisClient, keys: Keys, org: string): Promise<string[]> {
  const found = new Set<string>();
  let cursor = '0';
  do {
    // Org ids match ID_PATTERN: no glob character needs escaping in the pattern.
    const [next, flat] = await redis.zscan(
      keys.hostsIndex(),
      cursor,
      'MATCH',
      `${org}:*`,
      'COUNT',
      SCAN_COUNT,
    );
    for (let i = 0; i < flat.length; i += 2) found.add((flat[i] as string).slice(org.length + 1));
    cursor = next;
  } while (cursor !== '0');
  return [...found];
}
