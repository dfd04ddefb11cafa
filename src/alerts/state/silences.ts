import { randomUUID } from 'node:crypto';
import type { Keys, RedisClient } from '../../redis/index.ts';
import { matcherRegex, silenceState } from './silence-match.ts';
import { AlertStateError, type Silence, type SilenceMatcher, type SilenceState } from './types.ts';

export interface SilenceInput {
  /** `isRegex` defaults to false, `isEqual` to true (as in Alertmanager). */
  readonly matchers: ReadonlyArray<
    Pick<SilenceMatcher, 'name' | 'value'> & { readonly isRegex?: boolean; readonly isEqual?: boolean }
  >;
  /** @defaultValue now */
  readonly startsAt?: number;
  readonly endsAt: number;
  readonly comment: string;
}

/** How long an org's silences are served from memory to the evaluator (changes made here drop it at once). */
const CACHE_MS = 1000;

function checkInput(input: SilenceInput, startsAt: number, now: number): void {
  input.matchers.forEach((m, i) => {
    if (!m.isRegex) return;
    try {
      matcherRegex(m.value);
    } catch {
      throw new AlertStateError('invalid', `body.matchers.${i}.value: is not a valid regular expression`);
    }
  });
  if (input.endsAt <= startsAt) throw new AlertStateError('invalid', 'body.endsAt: must be after startsAt');
  if (input.endsAt <= now) throw new AlertStateError('invalid', 'body.endsAt: must be in the future');
}

/**
 * Silences of each org: label matchers and a time window, who and why; kept in the HASH
 * `keys.alerts(org) + 'silences'` (id → JSON), 30 days past their end. Expiring one sets its end to now.
 */
export class Silences {
  private readonly cache = new Map<string, { at: number; list: Silence[] }>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  private key(org: string): string {
    return `${this.keys.alerts(org)}silences`;
  }

  async create(org: string, input: SilenceInput, by: string, now: number): Promise<Silence> {
    const startsAt = input.startsAt ?? now;
    checkInput(input, startsAt, now);
    const silence: Silence = {
      id: randomUUID(),
      org,
      matchers: input.matchers.map((m) => ({
        name: m.name,
        value: m.value,
        isRegex: m.isRegex ?? false,
        isEqual: m.isEqual ?? true,
      })),
      startsAt,
      endsAt: input.endsAt,
      createdBy: by,
      comment: input.comment,
      createdAt: now,
      updatedAt: now,
    };
    await this.redis.hset(this.key(org), silence.id, JSON.stringify(silence));
    // The evaluator walks the orgs of this set; a silence alone makes its org one to tick.
    await this.redis.sadd(this.keys.alertOrgs(), org);
    this.cache.delete(org);
    return silence;
  }

  /** Every silence of the org (or those in one state), newest first. */
  async list(org: string, now: number, state?: SilenceState): Promise<Silence[]> {
    const all = Object.values(await this.redis.hgetall(this.key(org))).map(
      (raw) => JSON.parse(raw) as Silence,
    );
    return all
      .filter((s) => state === undefined || silenceState(s, now) === state)
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  async get(org: string, id: string): Promise<Silence> {
    const raw = await this.redis.hget(this.key(org), id);
    if (raw === null) throw new AlertStateError('not_found', `no silence ${id} in your org`);
    return JSON.parse(raw) as Silence;
  }

  /** Ends the silence now (an ended one is answered as it is). Alerts it held are released on the next tick. */
  async expire(org: string, id: string, now: number): Promise<Silence> {
    const silence = await this.get(org, id);
    if (silence.endsAt <= now) return silence;
    const ended: Silence = {
      ...silence,
      endsAt: now,
      startsAt: Math.min(silence.startsAt, now),
      updatedAt: now,
    };
    await this.redis.hset(this.key(org), id, JSON.stringify(ended));
    this.cache.delete(org);
    return ended;
  }

  /** Silences not yet expired at `now` (from memory for up to a second), for matching alerts. */
  async current(org: string, now: number): Promise<Silence[]> {
    const hit = this.cache.get(org);
    if (hit && Math.abs(Date.now() - hit.at) < CACHE_MS) return hit.list.filter((s) => s.endsAt > now);
    const list = await this.list(org, now);
    this.cache.set(org, { at: Date.now(), list });
    return list.filter((s) => s.endsAt > now);
  }

  /** Forgets silences that ended before `cutoff`. */
  async trim(org: string, cutoff: number): Promise<void> {
    const all = await this.list(org, cutoff);
    const old = all.filter((s) => s.endsAt < cutoff).map((s) => s.id);
    if (old.length > 0) await this.redis.hdel(this.key(org), ...old);
  }
}
