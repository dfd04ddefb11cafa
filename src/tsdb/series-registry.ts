import type { Keys, RedisClient } from '../redis/index.ts';
import { loadScript, runScript } from './lua/scripts.ts';

const seriesIdsScript = loadScript('series-ids-1.lua');

interface HostSeries {
  readonly byKey: Map<string, number>;
  readonly byId: Map<number, string>;
}

/**
 * Series key ↔ small integer id, per host, shared by every process through one Redis HASH. Ids are
 * cached forever once seen (they never change), so only the first sample of a new series costs a round
 * trip. Ids keep head records and sealed columns small.
 */
export class SeriesRegistry {
  private readonly hosts = new Map<string, HostSeries>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  private host(org: string, host: string): HostSeries {
    const k = `${org}:${host}`;
    let entry = this.hosts.get(k);
    if (!entry) {
      entry = { byKey: new Map(), byId: new Map() };
      this.hosts.set(k, entry);
    }
    return entry;
  }

  /** Cached id of a series, or undefined when this process has not seen it yet. */
  cachedId(org: string, host: string, seriesKey: string): number | undefined {
    return this.host(org, host).byKey.get(seriesKey);
  }

  /** Cached key of an id, or undefined when this process has not seen it yet. */
  cachedKey(org: string, host: string, id: number): string | undefined {
    return this.host(org, host).byId.get(id);
  }

  /** Ids of the given series, allocating missing ones atomically in Redis. */
  async ids(org: string, host: string, seriesKeys: readonly string[]): Promise<number[]> {
    const entry = this.host(org, host);
    const missing = [...new Set(seriesKeys.filter((k) => !entry.byKey.has(k)))];
    if (missing.length > 0) {
      const ids = (await runScript(
        this.redis,
        seriesIdsScript,
        [this.keys.series(org, host)],
        missing,
      )) as number[];
      missing.forEach((k, i) => {
        remember(entry, k, Number(ids[i]));
      });
    }
    return seriesKeys.map((k) => entry.byKey.get(k) as number);
  }

  /** Every series of a host, id → key, read from Redis (and cached). */
  async all(org: string, host: string): Promise<Map<number, string>> {
    const entry = this.host(org, host);
    const fields = await this.redis.hgetall(this.keys.series(org, host));
    for (const [field, value] of Object.entries(fields)) {
      if (field.startsWith('i:')) remember(entry, value, Number(field.slice(2)));
    }
    return new Map(entry.byId);
  }

  /** Ids of series already known to Redis (unknown keys are left out; nothing is allocated). */
  async lookup(org: string, host: string, seriesKeys: readonly string[]): Promise<Map<string, number>> {
    const entry = this.host(org, host);
    const out = new Map<string, number>();
    const unknown = seriesKeys.filter((k) => {
      const id = entry.byKey.get(k);
      if (id !== undefined) out.set(k, id);
      return id === undefined;
    });
    if (unknown.length > 0) {
      const ids = await this.redis.hmget(this.keys.series(org, host), ...unknown.map((k) => `n:${k}`));
      unknown.forEach((k, i) => {
        const id = ids[i];
        if (id == null) return;
        remember(entry, k, Number(id));
        out.set(k, Number(id));
      });
    }
    return out;
  }
}

function remember(entry: HostSeries, key: string, id: number): void {
  entry.byKey.set(key, id);
  entry.byId.set(id, key);
}
