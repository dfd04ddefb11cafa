import type { Keys, RedisClient } from '../redis/index.ts';
import type { HostState } from './collector.ts';

/**
 * A host's collector state in Redis, not in process memory: with several server processes the next
 * collection of a host may run in another one, and its rates still need this one's counters.
 */
export function redisHostState(
  redis: RedisClient,
  keys: Keys,
  org: string,
  host: string,
  ttlMs: number,
): HostState {
  const key = keys.collectState(org, host);
  return {
    async get<T>() {
      const text = await redis.get(key);
      return text === null ? undefined : (JSON.parse(text) as T);
    },
    async set(value: unknown) {
      await redis.set(key, JSON.stringify(value), 'PX', ttlMs);
    },
  };
}

/** Orgs whose pull collection is paused (per org, so one tenant cannot stop another's collection). */
export class PausedOrgs {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async pause(org: string, now: number): Promise<void> {
    await this.redis.hset(this.keys.collectPaused(), org, String(now));
  }

  async resume(org: string): Promise<void> {
    await this.redis.hdel(this.keys.collectPaused(), org);
  }

  /** When the org was paused (ms), or undefined when it collects. */
  async since(org: string): Promise<number | undefined> {
    const value = await this.redis.hget(this.keys.collectPaused(), org);
    return value === null ? undefined : Number(value);
  }

  async all(): Promise<Set<string>> {
    return new Set(Object.keys(await this.redis.hgetall(this.keys.collectPaused())));
  }
}
