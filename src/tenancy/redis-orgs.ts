import type { Keys, RedisClient } from '../redis/index.ts';
import { guard, recordParser } from './redis-json.ts';
import { Org } from './schema.ts';

const parseOrg = recordParser(Org, 'org');

/** Orgs: one HASH, org id → org JSON. Orgs are never deleted here (their data would be orphaned). */
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

  async get(id: string): Promise<Org | undefined> {
    return parseOrg(await guard('orgs', () => this.redis.hget(this.keys.orgs(), id)));
  }

  async list(): Promise<Org[]> {
    const values = await guard('orgs', () => this.redis.hvals(this.keys.orgs()));
    return values.map((json) => parseOrg(json)).filter((o): o is Org => o !== undefined);
  }
}
