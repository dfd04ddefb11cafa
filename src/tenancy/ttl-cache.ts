export interface CacheHit<V> {
  readonly value: V;
  /** False once the entry is past its lifetime but still within its stale window. */
  readonly fresh: boolean;
}

interface Entry<V> {
  readonly value: V;
  readonly freshUntil: number;
  readonly staleUntil: number;
}

/**
 * A bounded in-process cache whose entries are fresh for `ttlMs`, then stale (usable only as a fallback
 * while the store is unreachable) for `staleMs` more. Past `maxEntries` the oldest entry goes.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly options: {
      readonly ttlMs: number;
      readonly staleMs: number;
      readonly maxEntries: number;
      readonly now: () => number;
    },
  ) {}

  get(key: string): CacheHit<V> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const now = this.options.now();
    if (now >= entry.staleUntil) {
      this.entries.delete(key);
      return undefined;
    }
    return { value: entry.value, fresh: now < entry.freshUntil };
  }

  set(key: string, value: V): void {
    const now = this.options.now();
    this.entries.delete(key); // re-inserting moves the key to the young end of the Map's order
    this.entries.set(key, {
      value,
      freshUntil: now + this.options.ttlMs,
      staleUntil: now + this.options.ttlMs + this.options.staleMs,
    });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Removes every entry that matches (e.g. all tokens of a revoked id, all hosts of an org). */
  deleteWhere(match: (value: V, key: string) => boolean): void {
    for (const [key, entry] of this.entries) if (match(entry.value, key)) this.entries.delete(key);
  }

  /**
   * Makes the matching entries (all by default) stale: the next lookup asks the store, and the entries
   * remain its fallback while the store is unreachable.
   */
  expireWhere(match: (key: string) => boolean = () => true): void {
    const now = this.options.now();
    for (const [key, entry] of this.entries) {
      if (match(key)) this.entries.set(key, { ...entry, freshUntil: Math.min(entry.freshUntil, now) });
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
