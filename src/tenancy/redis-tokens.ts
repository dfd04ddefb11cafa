import { type Static, Type } from 'typebox';
import type { Keys, RedisClient } from '../redis/index.ts';
import { guard, recordParser } from './redis-json.ts';
import { Scopes, type TokenInfo } from './schema.ts';

/** What Redis holds of a token: metadata and its SHA-256, never the token. */
export const StoredToken = Type.Object({
  id: Type.String(),
  org: Type.String(),
  name: Type.String(),
  scopes: Scopes,
  createdAt: Type.Integer(),
  hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
});
export type StoredToken = Static<typeof StoredToken>;

const parseToken = recordParser(StoredToken, 'token');

type MultiReplies = [Error | null, unknown][] | null;

function checkReplies(replies: MultiReplies): void {
  const failed = replies?.find(([err]) => err !== null);
  if (failed) throw new Error('token write failed inside MULTI', { cause: failed[0] });
}

/**
 * Tokens: a lookup key per hash (the request path reads only that) and, per org, a HASH of records by id
 * for listing and revoking. Both are written in one MULTI (same hash tag), so neither exists alone.
 */
export class RedisTokens {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async insert(token: StoredToken): Promise<void> {
    const json = JSON.stringify(token);
    const tx = this.redis
      .multi()
      .set(this.keys.tokenByHash(token.hash), json)
      .hset(this.keys.orgTokens(token.org), token.id, json);
    checkReplies(await guard('tokens', () => tx.exec()));
  }

  async findByHash(hash: string): Promise<StoredToken | undefined> {
    return parseToken(await guard('tokens', () => this.redis.get(this.keys.tokenByHash(hash))));
  }

  async find(org: string, id: string): Promise<StoredToken | undefined> {
    return parseToken(await guard('tokens', () => this.redis.hget(this.keys.orgTokens(org), id)));
  }

  /** Every stored record of the org (with hashes: never answered to a client). */
  async records(org: string): Promise<StoredToken[]> {
    const records = await guard('tokens', () => this.redis.hvals(this.keys.orgTokens(org)));
    return records.map((json) => parseToken(json)).filter((t) => t !== undefined);
  }

  async list(org: string): Promise<TokenInfo[]> {
    const [records, used] = await guard('tokens', () =>
      Promise.all([
        this.redis.hvals(this.keys.orgTokens(org)),
        this.redis.hgetall(this.keys.orgTokensUsed(org)),
      ]),
    );
    const tokens = records.map((json) => parseToken(json)).filter((t) => t !== undefined);
    return tokens
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
      .map(({ id, name, scopes, createdAt }) => {
        const lastUsed = used[id];
        return lastUsed
          ? { id, name, scopes, createdAt, lastUsedAt: Number(lastUsed) }
          : { id, name, scopes, createdAt };
      });
  }

  /** Deletes a token of this org by id (its lookup key too); answers what was deleted. */
  async remove(org: string, id: string): Promise<StoredToken | undefined> {
    const token = await this.find(org, id);
    if (!token) return undefined;
    const tx = this.redis
      .multi()
      .del(this.keys.tokenByHash(token.hash))
      .hdel(this.keys.orgTokens(org), id)
      .hdel(this.keys.orgTokensUsed(org), id);
    checkReplies(await guard('tokens', () => tx.exec()));
    return token;
  }

  /** Deletes every token of the org (lookup keys, records, last-use times); answers what was deleted. */
  async removeAll(org: string): Promise<StoredToken[]> {
    const tokens = await this.records(org);
    const tx = this.redis.multi();
    for (const token of tokens) tx.del(this.keys.tokenByHash(token.hash));
    tx.del(this.keys.orgTokens(org), this.keys.orgTokensUsed(org));
    checkReplies(await guard('tokens', () => tx.exec()));
    return tokens;
  }

  /** Records a successful verification; written apart from the record so a revoke always wins. */
  async touch(org: string, id: string, at: number): Promise<void> {
    await guard('tokens', () => this.redis.hset(this.keys.orgTokensUsed(org), id, String(at)));
  }

  async hasScope(org: string, scope: 'admin'): Promise<boolean> {
    const records = await guard('tokens', () => this.redis.hvals(this.keys.orgTokens(org)));
    return records.some((json) => parseToken(json)?.scopes.includes(scope));
  }

  /** Whether the named one-time upgrade of stored tokens has run. */
  async upgraded(name: string): Promise<boolean> {
    return (await guard('tokens', () => this.redis.hexists(this.keys.tenancyUpgrades(), name))) === 1;
  }

  async markUpgraded(name: string, at: number): Promise<void> {
    await guard('tokens', () => this.redis.hset(this.keys.tenancyUpgrades(), name, String(at)));
  }

  /** Takes the bootstrap lock for `ms`; false when another process holds it. */
  async lockBootstrap(owner: string, ms: number): Promise<boolean> {
    const ok = await guard('tokens', () => this.redis.set(this.keys.bootstrapLock(), owner, 'PX', ms, 'NX'));
    return ok === 'OK';
  }
}
