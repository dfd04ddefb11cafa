import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Keys, RedisClient } from '../redis/index.ts';
import { PublicError } from './errors.ts';

const budgetTake = readFileSync(new URL('./lua/budget-take-1.lua', import.meta.url), 'utf8');
const budgetTakeSha = createHash('sha1').update(budgetTake).digest('hex');

/** Requests an org may send at once, in seconds of its budget: a dashboard loading, agents catching up. */
const BURST_SEC = 1;

/** How long after its last refusal an org's requests wait for the count, instead of going ahead of it. */
const STRICT_MS = 60_000;

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
 */
export class OrgBudget {
  /** Orgs refused within STRICT_MS, with the time their next request is due. */
  private readonly dueAt = new Map<string, number>();
  private readonly intervalMs: number;
  private readonly burst: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
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
    const counted = this.take(org).then((waitMs) => {
      if (waitMs > 0) this.dueAt.set(org, this.now() + waitMs);
      return waitMs;
    });
    if (!this.dueAt.has(org)) return;
    const waitMs = await counted;
    if (waitMs > 0) throw this.refusal(waitMs);
  }

  /** 0 when the request fits the budget, else the ms until one does; 0 as well when Redis fails. */
  private async take(org: string): Promise<number> {
    try {
      const key = this.keys.orgRateLimit(org);
      // By SHA: the script's text is sent only when Redis does not know it yet (after a restart).
      try {
        return Number(await this.redis.evalsha(budgetTakeSha, 1, key, this.intervalMs, this.burst));
      } catch (err: unknown) {
        if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
        return Number(await this.redis.eval(budgetTake, 1, key, this.intervalMs, this.burst));
      }
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
