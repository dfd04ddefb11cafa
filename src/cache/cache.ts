import type { RedisClient } from '../redis/index.ts';
import { ExpiringMap } from './memory.ts';

export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  /** Entries written by this process and not yet expired (Redis and memory fallback). */
  readonly entries: number;
  /** Hits ÷ lookups, in %; 0 before the first lookup. */
  readonly hitRatePct: number;
  /** Lookups answered by the memory fallback because Redis failed. */
  readonly fallbacks: number;
}

/**
 * A JSON cache in Redis (`REDIS_CACHE_PREFIX`, TTL per entry) shared by every server process, with an
 * in-memory fallback while Redis is down. A Redis failure never fails the caller: the cache only
 * ever makes answers faster. Entries are grouped by a namespace (e.g. `org:overview`) so a group can
 * be dropped at once when new data lands.
 */
export class Cache {
  private readonly memory = new ExpiringMap<string>(10_000);
  private readonly live = new ExpiringMap<true>(100_000);
  private counters = { hits: 0, misses: 0, fallbacks: 0 };

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    readonly ttlMs: number,
  ) {}

  private key(namespace: string, id: string): string {
    return `${this.prefix}${namespace}:${id}`;
  }

  async get<T>(namespace: string, id: string): Promise<T | undefined> {
    const key = this.key(namespace, id);
    let text: string | null | undefined;
    try {
      text = await this.redis.get(key);
    } catch {
      this.counters.fallbacks++;
      text = this.memory.get(key);
    }
    if (text == null) {
      this.counters.misses++;
      return undefined;
    }
    this.counters.hits++;
    return JSON.parse(text) as T;
  }

  async set(namespace: string, id: string, value: unknown, ttlMs = this.ttlMs): Promise<void> {
    const key = this.key(namespace, id);
    const text = JSON.stringify(value);
    this.live.set(key, true, ttlMs);
    try {
      await this.redis.set(key, text, 'PX', ttlMs);
    } catch {
      this.memory.set(key, text, ttlMs);
    }
  }

  /** Fetches through the cache: `load` runs on a miss and its result is stored. */
  async getOrLoad<T>(namespace: string, id: string, load: () => Promise<T>, ttlMs = this.ttlMs): Promise<T> {
    const cached = await this.get<T>(namespace, id);
    if (cached !== undefined) return cached;
    const value = await load();
    await this.set(namespace, id, value, ttlMs);
    return value;
  }

  /** Drops one entry (in Redis for every process, and in this process' fallback). */
  async invalidate(namespace: string, id: string): Promise<void> {
    const key = this.key(namespace, id);
    this.memory.delete(key);
    this.live.delete(key);
    try {
      await this.redis.del(key);
    } catch {
      // Redis is down: its copy expires on its own within the TTL.
    }
  }

  stats(): CacheStats {
    const lookups = this.counters.hits + this.counters.misses;
    return {
      ...this.counters,
      entries: this.live.size,
      hitRatePct: lookups === 0 ? 0 : Math.round((this.counters.hits / lookups) * 1000) / 10,
    };
  }
}
