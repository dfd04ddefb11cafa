import { readFileSync } from 'node:fs';
import type { Keys, RedisClient } from '../redis/index.ts';
import { guard, recordParser } from './redis-json.ts';
import type { StoredToken } from './redis-tokens.ts';
import { DeletedOrg, Org } from './schema.ts';

const createLua = readFileSync(new URL('./lua/org-create-4.lua', import.meta.url), 'utf8');
const parseOrg = recordParser(Org, 'org');
const parseDeleted = recordParser(DeletedOrg, 'deleted org');

/** What creating an org with its first token came to (see `org-create-4.lua`). */
export type OrgCreateOutcome = 'created' | 'exists' | 'deleted' | 'token_taken';

const OUTCOMES: Readonly<Record<string, OrgCreateOutcome>> = {
  '1': 'created',
  '0': 'exists',
  '-1': 'deleted',
  '-2': 'token_taken',
};

/**
 * Orgs: one HASH, org id → org JSON, and one HASH of deleted orgs, whose ids are never reused. An org
 * moves to the deleted HASH first; its tokens, hosts and data are removed after (see `src/orgs`).
 */
export class RedisOrgs {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Stores the org unless its id exists; answers whether it was created. */
  async insert(org: Org): Promise<boolean> {
    const set = await guard('orgs', () => this.redis.hsetnx(this.keys.orgs(), org.id, JSON.stringify(org)));
    return set === 1;
  }

  /** Stores the org and its first token in one script, only if the id was never used. */
  async insertWithToken(org: Org, token: StoredToken): Promise<OrgCreateOutcome> {
    const keys = [
      this.keys.orgs(),
      this.keys.deletedOrgs(),
      this.keys.tokenByHash(token.hash),
      this.keys.orgTokens(org.id),
    ];
    const args = [org.id, JSON.stringify(org), token.id, JSON.stringify(token)];
    const reply = await guard('orgs', () => this.redis.eval(createLua, keys.length, ...keys, ...args));
    const outcome = OUTCOMES[String(reply)];
    if (!outcome) throw new Error(`org-create-4.lua answered ${String(reply)}`);
    return outcome;
  }

  async get(id: string): Promise<Org | undefined> {
    return parseOrg(await guard('orgs', () => this.redis.hget(this.keys.orgs(), id)));
  }

  async list(): Promise<Org[]> {
    const values = await guard('orgs', () => this.redis.hvals(this.keys.orgs()));
    return values.map((json) => parseOrg(json)).filter((o): o is Org => o !== undefined);
  }

  async getDeleted(id: string): Promise<DeletedOrg | undefined> {
    return parseDeleted(await guard('orgs', () => this.redis.hget(this.keys.deletedOrgs(), id)));
  }

  async listDeleted(): Promise<DeletedOrg[]> {
    const values = await guard('orgs', () => this.redis.hvals(this.keys.deletedOrgs()));
    return values.map((json) => parseDeleted(json)).filter((o): o is DeletedOrg => o !== undefined);
  }

  /** Moves the org to the deleted HASH in one MULTI (both keys share the `{tenancy}` slot). */
  async markDeleted(org: Org, at: number): Promise<DeletedOrg> {
    const deleted: DeletedOrg = { ...org, deletedAt: at };
    const tx = this.redis
      .multi()
      .hdel(this.keys.orgs(), org.id)
      .hset(this.keys.deletedOrgs(), org.id, JSON.stringify(deleted));
    const replies = await guard('orgs', () => tx.exec());
    const failed = replies?.find(([err]) => err !== null);
    if (failed) throw new Error('org delete failed inside MULTI', { cause: failed[0] });
    return deleted;
  }

  /** Records that the deleted org's data is gone. */
  async markPurged(deleted: DeletedOrg, at: number): Promise<DeletedOrg> {
    const purged: DeletedOrg = { ...deleted, purgedAt: at };
    await guard('orgs', () => this.redis.hset(this.keys.deletedOrgs(), deleted.id, JSON.stringify(purged)));
    return purged;
  }
}
