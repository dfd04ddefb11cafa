import { readFileSync } from 'node:fs';
import type { Keys, RedisClient } from '../redis/index.ts';
import { runScript, type Script } from '../tsdb/lua/scripts.ts';
import { PublicError } from './errors.ts';

const BUDGET_TAKE: Script = {
  name: 'budget-take',
  numberOfKeys: 1,
  lua: readFileSync(new URL('./lua/budget-take-1.lua', import.meta.url), 'utf8'),
};

/** Requests of one org counted in one call: those that arrived while the previous call was in flight. */
interface Batch {
  n: number;
  readonly result: Promise<number>;
  resolve(waitMs: number): void;
}

function newBatch(): Batch {
  let resolve: (waitMs: number) => void = () => undefined;
  const result = new Promise<number>((r) => {
    resolve = r;
  });
  return { n: 0, result, resolve };
}

/** Requests an org may send at once, in seconds of its budget: a dashboard loading, agents catching up. */
const BURST_SEC = 1;

/** How long after its last refusal an org's requests wait for the count, instead of going ahead of it. */
const STRICT_MS = 60_000;

/**
 * The least time between two calls for one org. Without it an org sending one request after the other
 * (a dashboard, an agent) cost a Redis call per request; a socket write costs ~0.1 ms of CPU on these
 * machines (profile, 2026-12-06), a fifth of a cheap query's whole cost.
 */
export const BUDGET_GAP_MS = 20;

/** Send times kept before the stale ones are dropped. */
const MAX_ORGS_REMEMBERED = 10_000;

/**
 * The per-org request budget: every request of an org's tokens together, at most `perMinute`, spread
 * evenly (a burst of one second's worth at once, then one request per 60 s / perMinute). Kept in Redis,
 * so every process shares it. Spread rather than counted per fixed minute: an org that hammers is held
 * to its rate all the time, instead of taking the whole process for the first seconds of each minute.
 *
 * Costs an org within its budget no waiting: its request is counted in Redis while it goes ahead, and
 * a refusal only takes effect for the requests after it (so an org can overshoot by the requests it
 * sends within one Redis round trip, once). An org refused within the last minute is counted strictly,
 * each request waiting for its count; until its next request is due it is refused from memory, so
 * hammering past the budget costs no Redis command. While Redis is not ready or fails, nothing is
 * counted (an outage must not refuse ingest).
 *
 * One call per org is in flight at a time, and calls for one org start at least `gapMs` apart: the
 * requests that arrive meanwhile are counted together in the next (group commit), so an org costs at
 * most a command per round trip or per `gapMs`, not one per request. A strict request waits for its
 * batch (up to `gapMs` longer); when the batch does not fit whole, those of its requests that fit are
 * counted and every waiting one is refused. The overshoot above: the requests of one gap and round trip.
 */
export class OrgBudget {
  /** Orgs refused within STRICT_MS, with the time their next request is due. */
  private readonly dueAt = new Map<string, number>();
  /** Per org, the requests waiting for the call in flight to end. */
  private readonly next = new Map<string, Batch>();
  /** Orgs with a call in flight or waiting for its gap. */
  private readonly sending = new Set<string>();
  /** When each org's last call was sent. */
  private readonly sentAt = new Map<string, number>();
  private readonly intervalMs: number;
  private readonly burst: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly gapMs = BUDGET_GAP_MS,
  ) {
    this.intervalMs = 60_000 / perMinute;
    this.burst = Math.max(1, Math.floor((perMinute * BURST_SEC) / 60));
  }

  /** Counts one request of `org`; throws 429 with Retry-After when the org is past its budget. */
  async spend(org: string): Promise<void> {
    const due = this.dueAt.get(org);
    const now = this.now();
    if (due !== undefined && now < due) throw this.refusal(due - now);
    if (due !== undefined && now > due + STRICT_MS) this.dueAt.delete(org);
    if (this.redis.status !== 'ready') return;
    const counted = this.count(org).then((waitMs) => {
      if (waitMs > 0) this.dueAt.set(org, this.now() + waitMs);
      return waitMs;
    });
    if (!this.dueAt.has(org)) return;
    const waitMs = await counted;
    if (waitMs > 0) throw this.refusal(waitMs);
  }

  /** Adds one request to the org's next batch, sending it at once unless a call is in flight. */
  private count(org: string): Promise<number> {
    let batch = this.next.get(org);
    if (!batch) {
      batch = newBatch();
      this.next.set(org, batch);
    }
    batch.n += 1;
    if (!this.sending.has(org)) this.send(org);
    return batch.result;
  }

  private send(org: string): void {
    if (!this.next.has(org)) return;
    this.sending.add(org);
    const wait = (this.sentAt.get(org) ?? Number.NEGATIVE_INFINITY) + this.gapMs - performance.now();
    if (wait > 0) setTimeout(() => this.sendNow(org), wait).unref();
    else this.sendNow(org);
  }

  private sendNow(org: string): void {
    const batch = this.next.get(org);
    if (!batch) {
      this.sending.delete(org);
      return;
    }
    this.next.delete(org);
    this.sentAt.set(org, performance.now());
    if (this.sentAt.size > MAX_ORGS_REMEMBERED) this.forgetIdle();
    void this.take(org, batch.n)
      .then((waitMs) => batch.resolve(waitMs))
      .finally(() => {
        this.sending.delete(org);
        if (this.next.has(org)) this.send(org);
      });
  }

  /** Drops the send times older than the gap (only their absence matters then). */
  private forgetIdle(): void {
    const before = performance.now() - this.gapMs;
    for (const [org, at] of this.sentAt) if (at < before) this.sentAt.delete(org);
  }

  /** 0 when the n requests fit the budget, else the ms until one more does; 0 as well when Redis fails. */
  private async take(org: string, n: number): Promise<number> {
    try {
      const key = this.keys.orgRateLimit(org);
      return Number(await runScript(this.redis, BUDGET_TAKE, [key], [this.intervalMs, this.burst, n]));
    } catch {
      return 0; // skipped like the per-token limit: Redis trouble must not refuse requests
    }
  }

  private refusal(waitMs: number): PublicError {
    return new PublicError(
      'rate_limited',
      `rate limit reached: at most ${this.perMinute} requests per minute per org (VITALS_RATE_LIMIT_PER_ORG)`,
      { retryAfterSec: Math.max(1, Math.ceil(waitMs / 1000)) },
    );
  }
}
