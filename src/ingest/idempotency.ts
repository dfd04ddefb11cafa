import { createHash, hash } from 'node:crypto';
import { ExpiringMap } from '../cache/index.ts';
import type { FailureKind, IngestResponse } from '../contract/index.ts';
import { isUnavailable, type Keys, type RedisClient } from '../redis/index.ts';

/**
 * What a request came to, replayed to a retry with the same Idempotency-Key: the answer, or the
 * refusal (its kind and message; the HTTP layer maps it as it maps any error).
 */
export type StoredResponse =
  | { readonly ok: true; readonly body: IngestResponse }
  | { readonly ok: false; readonly kind: FailureKind; readonly message: string };

/** `reused`: the key was first used for a different request (another body, route or parameters). */
export type Claim =
  | { state: 'new' }
  | { state: 'done'; response: StoredResponse }
  | { state: 'pending' }
  | { state: 'reused' };

/** What a key holds: the request's fingerprint beside its outcome (absent while it runs). */
interface KeyRecord {
  readonly request?: string;
  readonly pending?: true;
}

/** A claim whose request never finished (the process died) frees itself after this long. */
const PENDING_TTL_SEC = 60;

export interface IdempotencyStats {
  readonly claims: number;
  readonly replays: number;
  readonly inProgress: number;
  readonly memoryFallbacks: number;
  /** Keys sent again with a different request (answered 422 `idempotency_key_reused`). */
  readonly reused: number;
}

/**
 * Remembers Idempotency-Keys per org for `ttlSec` (REDIS_IDEMPOTENCY_TTL). A claim is one round trip,
 * `SET key pending NX EX ttl GET`: a new key is claimed; a known one returns what it holds (the
 * original response, or `pending` while the first request runs). While Redis is down the claims live
 * in process memory, so retries to the same process are still answered once.
 */
export class IdempotencyStore {
  private readonly memory = new ExpiringMap<string>(100_000);
  private counters = { claims: 0, replays: 0, inProgress: 0, memoryFallbacks: 0, reused: 0 };

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly subPrefix: string,
    private readonly ttlSec: number,
  ) {}

  private key(org: string, idempotencyKey: string): string {
    // Hashed: a client's key may be long or hold any character; the hash keeps Redis keys tidy.
    return this.keys.idempotency(this.subPrefix, org, hash('sha256', idempotencyKey, 'hex'));
  }

  /**
   * Claims a key for a request, `request` being its fingerprint (see `requestFingerprint`): a key
   * already used for another fingerprint is `reused`, as Stripe answers (records written without a
   * fingerprint match any request).
   */
  async claim(org: string, idempotencyKey: string, request = ''): Promise<Claim> {
    this.counters.claims++;
    const key = this.key(org, idempotencyKey);
    const pending = JSON.stringify({ pending: true, request });
    let previous: string | null | undefined;
    try {
      const ttl = String(Math.min(this.ttlSec, PENDING_TTL_SEC));
      previous = (await this.redis.call('SET', key, pending, 'NX', 'EX', ttl, 'GET')) as string | null;
    } catch (err: unknown) {
      if (!isUnavailable(err)) throw err;
      this.counters.memoryFallbacks++;
      const ttlMs = Math.min(this.ttlSec, PENDING_TTL_SEC) * 1000;
      previous = this.memory.setIfAbsent(key, pending, ttlMs) ? null : this.memory.get(key);
    }
    if (previous == null) return { state: 'new' };
    const record = JSON.parse(previous) as KeyRecord & StoredResponse;
    if (request !== '' && record.request && record.request !== request) {
      this.counters.reused++;
      return { state: 'reused' };
    }
    if (record.pending) {
      this.counters.inProgress++;
      return { state: 'pending' };
    }
    this.counters.replays++;
    return { state: 'done', response: record };
  }

  /** Stores the response for retries, with the fingerprint of the request it answers. */
  async complete(org: string, idempotencyKey: string, response: StoredResponse, request = ''): Promise<void> {
    const key = this.key(org, idempotencyKey);
    const text = JSON.stringify({ ...response, request });
    this.memory.set(key, text, this.ttlSec * 1000);
    try {
      await this.redis.set(key, text, 'EX', this.ttlSec);
    } catch (err: unknown) {
      if (!isUnavailable(err)) throw err;
      // Kept in memory; a retry reaching another process while Redis is down may write again, and the
      // store's de-duplication by (series, timestamp) makes that harmless.
    }
  }

  /** Releases a claim whose request failed in a way a retry can fix, so the retry is not refused. */
  async release(org: string, idempotencyKey: string): Promise<void> {
    const key = this.key(org, idempotencyKey);
    this.memory.delete(key);
    try {
      await this.redis.del(key);
    } catch (err: unknown) {
      if (!isUnavailable(err)) throw err;
      // The pending marker expires with the TTL at the latest.
    }
  }

  stats(): IdempotencyStats {
    return { ...this.counters };
  }
}

/**
 * What makes two requests under one Idempotency-Key the same request: the operation (route and the
 * parameters that change what is written) and the body, hashed (SHA-256).
 */
export function requestFingerprint(operation: string, body: string | Uint8Array): string {
  return createHash('sha256').update(operation).update('\n').update(body).digest('base64url');
}
