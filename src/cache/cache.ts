import { deleteKeys, isUnavailable, type RedisClient } from '../redis/index.ts';
import { ExpiringMap } from './memory.ts';

export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  /** Entries written by this process and not yet expired (Redis and memory fallback). */
  readonly entries: number;
  /** Hits ÷ lookups, in %; 0 before the first lookup. */
  readonly hitRatePct: number;
  /** Lookups answered by the memory fallback because Redis could not be reached. */
  readonly fallbacks: number;
}

/** The Redis key of one cache entry (`prefix` = `keys.cache(REDIS_CACHE_PREFIX)`). */
export function entryKey(prefix: string, namespace: string, id: string): string {
  return `${prefix}${namespace}:${id}`;
}

/** The Redis HASH of one cache group. */
export function groupKey(prefix: string, group: string): string {
  return `${prefix}g:${group}`;
}

/**
 * DELs asked for while a batch is on its way share the next batch: every caller's promise settles
 * with a DEL sent after its call (so after whatever the caller wrote before asking), yet at most one
 * batch is on its way and one more waits, each key once in it. A batch is one DEL of all its keys
 * (`deleteKeys`; a pipeline per slot on Cluster). Pushes to one org all drop its overview, and late
 * pushes their host's cached answers: under load they took a DEL and a socket write each, ~3 % of the
 * event loop of the 50-host line-protocol load.
 */
export class CoalescedDeletes {
  private onItsWay = false;
  private next:
    | { keys: Set<string>; done: Promise<unknown>; settle: (sent: Promise<unknown>) => void }
    | undefined;

  constructor(private readonly del: (keys: readonly string[]) => Promise<unknown>) {}

  delete(key: string): Promise<unknown> {
    if (!this.next) {
      let settle: (sent: Promise<unknown>) => void = () => undefined;
      const done = new Promise<unknown>((resolve) => {
        settle = resolve;
      });
      this.next = { keys: new Set(), done, settle };
      // Keys asked for in the same task (several groups of one write) go out together.
      if (!this.onItsWay) queueMicrotask(() => this.send());
    }
    this.next.keys.add(key);
    return this.next.done;
  }

  private send(): void {
    const batch = this.next;
    if (!batch || this.onItsWay) return;
    this.next = undefined;
    this.onItsWay = true;
    let sent: Promise<unknown>;
    try {
      sent = this.del([...batch.keys]);
    } catch (error: unknown) {
      sent = Promise.reject(error);
    }
    batch.settle(sent);
    const done = () => {
      this.onItsWay = false;
      this.send();
    };
    sent.then(done, done);
  }
}

/**
 * A JSON cache in Redis (`REDIS_CACHE_PREFIX`, TTL per entry) shared by every server process, with an
 * in-memory fallback while Redis cannot be reached (connection errors only: any other Redis error is a
 * bug and reaches the caller). Entries live under a namespace (e.g. `org:overview`); grouped entries
 * (`getOrLoadGrouped`) share one Redis HASH per group, so a write can drop a whole group — every cached
 * answer about one host — in one command that every process sees.
 */
const CHEAP_MAX = 10_000;

export class Cache {
  private readonly memory = new ExpiringMap<string>(10_000);
  private readonly live = new ExpiringMap<true>(100_000);
  private counters = { hits: 0, misses: 0, fallbacks: 0 };
  private readonly deletes = new CoalescedDeletes((keys) => deleteKeys(this.redis, keys));
  /** Grouped answers that loaded faster than their `minLoadMs`, until when (not stored, not asked for). */
  private readonly cheap = new Map<string, number>();

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    readonly ttlMs: number,
    /** VITALS_CACHE_MIN_LOAD: what `getOrLoadGrouped` callers pass as `minLoadMs` for recomputable answers. */
    readonly minLoadMs = 0,
  ) {}

  private key(namespace: string, id: string): string {
    return entryKey(this.prefix, namespace, id);
  }

  private groupKey(group: string): string {
    return groupKey(this.prefix, group);
  }

  /** Runs a Redis call; undefined (and the fallback is used) when Redis cannot be reached. */
  private async tryRedis<T>(call: () => Promise<T>): Promise<{ value: T } | undefined> {
    // A connection that is not ready would only fail after its deadline: skip it at once.
    if (this.redis.status !== 'ready') return undefined;
    try {
      return { value: await call() };
    } catch (err: unknown) {
      if (!isUnavailable(err)) throw err;
      return undefined;
    }
  }

  private found<T>(text: string | null | undefined): T | undefined {
    if (text == null) {
      this.counters.misses++;
      return undefined;
    }
    this.counters.hits++;
    return JSON.parse(text) as T;
  }

  async get<T>(namespace: string, id: string): Promise<T | undefined> {
    const key = this.key(namespace, id);
    const stored = await this.tryRedis(() => this.redis.get(key));
    if (!stored) this.counters.fallbacks++;
    return this.found<T>(stored ? stored.value : this.memory.get(key));
  }

  async set(namespace: string, id: string, value: unknown, ttlMs = this.ttlMs): Promise<void> {
    const key = this.key(namespace, id);
    const text = JSON.stringify(value);
    this.live.set(key, true, ttlMs);
    const stored = await this.tryRedis(() => this.redis.set(key, text, 'PX', ttlMs));
    if (!stored) this.memory.set(key, text, ttlMs);
  }

  /** Fetches through the cache: `load` runs on a miss and its result is stored. */
  async getOrLoad<T>(namespace: string, id: string, load: () => Promise<T>, ttlMs = this.ttlMs): Promise<T> {
    const cached = await this.get<T>(namespace, id);
    if (cached !== undefined) return cached;
    const value = await load();
    await this.set(namespace, id, value, ttlMs);
    return value;
  }

  /**
   * `getOrLoad` for an entry of a group. The group's HASH lives `ttlMs` from its first entry, so an
   * entry lives at most that long; `dropGroups` removes every entry of a group at once.
   */
  async getOrLoadGrouped<T>(
    group: string,
    /** The answer's id in its group; a function when making it costs (only called when it is needed). */
    answer: string | (() => string),
    load: () => Promise<T>,
    ttlMs = this.ttlMs,
    /** Loads that took less are not stored: recomputing them costs less than storing and reading back. */
    minLoadMs = 0,
    /**
     * Answers of one class cost about the same to load (the same series over a range of about the same
     * length): once one loaded under `minLoadMs`, the others are loaded without asking Redis for a copy
     * either, until one of them turns out dear. Without it, the answer's own id is the class.
     */
    costClass?: string,
  ): Promise<T> {
    let made: string | undefined;
    const answerId = () => {
      made ??= typeof answer === 'string' ? answer : answer();
      return made;
    };
    const key = this.groupKey(group);
    const classKey = `${key}\u0000~${costClass ?? answerId()}`;
    const cheapNow = minLoadMs > 0 && (this.cheap.get(classKey) ?? 0) > Date.now();
    if (!cheapNow) {
      const id = answerId();
      const memoryKey = `${key}\u0000${id}`;
      const stored = await this.tryRedis(() => this.redis.hget(key, id));
      if (!stored) this.counters.fallbacks++;
      const cached = this.found<T>(stored ? stored.value : this.memory.get(memoryKey));
      if (cached !== undefined) return cached;
    }
    const started = performance.now();
    const value = await load();
    if (performance.now() - started < minLoadMs) {
      if (!cheapNow) {
        if (this.cheap.size >= CHEAP_MAX) this.cheap.clear();
        this.cheap.set(classKey, Date.now() + ttlMs);
      }
      return value;
    }
    this.cheap.delete(classKey);
    const text = JSON.stringify(value);
    const id = answerId();
    const memoryKey = `${key}\u0000${id}`;
    this.live.set(memoryKey, true, ttlMs);
    const written = await this.tryRedis(() =>
      this.redis.multi().hset(key, id, text).pexpire(key, ttlMs, 'NX').exec(),
    );
    if (!written) this.memory.set(memoryKey, text, ttlMs);
    return value;
  }

  /** Drops one entry (in Redis for every process, and in this process' fallback). */
  async invalidate(namespace: string, id: string): Promise<void> {
    const key = this.key(namespace, id);
    this.memory.delete(key);
    this.live.delete(key);
    // Redis away: its copy expires on its own within the TTL.
    await this.tryRedis(() => this.deletes.delete(key));
  }

  /** Drops every entry of these groups, for every process. */
  async dropGroups(groups: readonly string[]): Promise<void> {
    if (groups.length === 0) return;
    const keys = groups.map((g) => this.groupKey(g));
    for (const key of keys) {
      this.memory.deletePrefix(`${key}\u0000`);
      this.live.deletePrefix(`${key}\u0000`);
    }
    // One batch: one DEL (on Cluster, where the groups live in different slots, a pipeline per slot).
    await this.tryRedis(() => Promise.all(keys.map((key) => this.deletes.delete(key))));
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
