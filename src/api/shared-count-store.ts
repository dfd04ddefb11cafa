import type { RedisClient } from '../redis/index.ts';

/** What @fastify/rate-limit asks a store for on every counted request. */
type IncrCallback = (err: Error | null, result: { current: number; ttl: number }) => void;

interface Window {
  count: number;
  resetAt: number;
}

/** Local windows kept at most; expired ones are dropped past this (tokens that stopped calling). */
const MAX_WINDOWS = 10_000;

/** The least time between two pipelines of one store (the org budget's reason: `BUDGET_GAP_MS`). */
export const COUNT_GAP_MS = 20;

/**
 * A @fastify/rate-limit store that counts in Redis, so every process shares a token's budget, without
 * making the request wait for Redis: each request is counted in this process at once (answered from
 * memory) and in Redis in the background (`INCRBY`, `PEXPIRE NX`, `PTTL` pipelined, one pipeline in
 * flight per route and at most one per `gapMs`, carrying every request counted since the last); each reply raises
 * the local count to the shared one and adopts the shared window's end. So a token within its budget
 * pays no round trip, and a token past it is refused from memory. The price, as for the org budget:
 * the requests other processes count within one round trip may go ahead past the limit, once. A token
 * already refused is not counted in Redis again until its window ends (hammering costs Redis nothing).
 * While Redis is not ready, counting is local only.
 */
export function sharedCountStore(
  redis: RedisClient,
  namespace: string,
  now: () => number = Date.now,
  gapMs = COUNT_GAP_MS,
) {
  return class SharedCountStore {
    private readonly windows = new Map<string, Window>();
    /** Keys counted locally since the last pipeline was sent, with the requests to add and their window length. */
    private readonly pending = new Map<string, { window: Window; n: number; timeWindow: number }>();
    /** A pipeline is in flight or waiting for its gap. */
    private sending = false;
    private lastSentAt = Number.NEGATIVE_INFINITY;

    constructor(
      _params?: unknown,
      private readonly prefix = namespace,
    ) {}

    incr(key: string, cb: IncrCallback, timeWindow: number, max: number): void {
      const t = now();
      let window = this.windows.get(key);
      if (!window || t >= window.resetAt) {
        if (this.windows.size >= MAX_WINDOWS) this.prune(t);
        window = { count: 0, resetAt: t + timeWindow };
        this.windows.set(key, window);
      }
      window.count += 1;
      if (window.count <= max + 1 && redis.status === 'ready') this.share(key, window, timeWindow);
      cb(null, { current: window.count, ttl: Math.max(0, window.resetAt - t) });
    }

    child(routeOptions: { routeInfo: { method: string; url: string } }): SharedCountStore {
      const { method, url } = routeOptions.routeInfo;
      return new SharedCountStore(undefined, `${this.prefix}${method}${url}-`);
    }

    /** Queues one request of `key` for Redis; sent at once unless a pipeline is in flight. */
    private share(key: string, window: Window, timeWindow: number): void {
      const entry = this.pending.get(key);
      if (entry && entry.window === window) entry.n += 1;
      else this.pending.set(key, { window, n: 1, timeWindow });
      if (!this.sending) this.sendAfterGap();
    }

    private sendAfterGap(): void {
      this.sending = true;
      const wait = this.lastSentAt + gapMs - performance.now();
      if (wait > 0) setTimeout(() => this.send(), wait).unref();
      else this.send();
    }

    /**
     * One pipeline for every key counted since the last (`INCRBY`, `PEXPIRE NX`, `PTTL` each); the
     * requests arriving while it is in flight go in the next, so a busy process sends a pipeline per
     * round trip rather than per request.
     */
    private send(): void {
      if (this.pending.size === 0 || redis.status !== 'ready') {
        this.pending.clear();
        this.sending = false;
        return;
      }
      const batch = [...this.pending];
      this.pending.clear();
      this.sending = true;
      this.lastSentAt = performance.now();
      const sentAt = now();
      const pipeline = redis.pipeline();
      for (const [key, { n, timeWindow }] of batch) {
        const redisKey = this.prefix + key;
        pipeline.incrby(redisKey, n).pexpire(redisKey, timeWindow, 'NX').pttl(redisKey);
      }
      pipeline
        .exec()
        .then((replies) => {
          batch.forEach(([, { window }], i) => {
            const current = Number(replies?.[3 * i]?.[1]);
            const ttl = Number(replies?.[3 * i + 2]?.[1]);
            if (!Number.isFinite(current) || !Number.isFinite(ttl) || ttl <= 0) return;
            // The shared window wins: every process then opens and closes it at the same time.
            window.resetAt = sentAt + ttl;
            window.count = Math.max(window.count, current);
          });
        })
        .catch(() => {
          // Counting steps aside while Redis fails: an outage must not refuse requests.
        })
        .finally(() => {
          this.sending = false;
          if (this.pending.size > 0) this.sendAfterGap();
        });
    }

    private prune(t: number): void {
      for (const [key, window] of this.windows) if (t >= window.resetAt) this.windows.delete(key);
    }
  };
}
