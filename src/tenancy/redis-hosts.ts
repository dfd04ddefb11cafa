import { readFileSync } from 'node:fs';
import type { Keys, RedisClient } from '../redis/index.ts';
import { guard, recordParser } from './redis-json.ts';
import { Host } from './schema.ts';

const hsetIf = readFileSync(new URL('./lua/hset-if-1.lua', import.meta.url), 'utf8');
const parseHost = recordParser(Host, 'host');

/** A host as read, with the exact JSON it was read from (the compare value of an update). */
export interface StoredHost {
  readonly host: Host;
  readonly json: string;
}

/** The host registry of every org: one HASH per org, host id → host JSON. */
export class RedisHosts {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async list(org: string): Promise<Host[]> {
    const values = await guard('hosts', () => this.redis.hvals(this.keys.orgHosts(org)));
    return values
      .map((json) => parseHost(json))
      .filter((h): h is Host => h !== undefined)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async get(org: string, id: string): Promise<StoredHost | undefined> {
    const json = await guard('hosts', () => this.redis.hget(this.keys.orgHosts(org), id));
    const host = parseHost(json);
    return host && json !== null ? { host, json } : undefined;
  }

  /** Stores a new host; false when the id is taken in this org. */
  async insert(org: string, host: Host): Promise<boolean> {
    const set = await guard('hosts', () =>
      this.redis.hsetnx(this.keys.orgHosts(org), host.id, JSON.stringify(host)),
    );
    return set === 1;
  }

  /** Replaces a host only if it is still stored as `expectedJson`; false otherwise. */
  async replace(org: string, expectedJson: string, host: Host): Promise<boolean> {
    const key = this.keys.orgHosts(org);
    const done = await guard('hosts', () =>
      this.redis.eval(hsetIf, 1, key, host.id, expectedJson, JSON.stringify(host)),
    );
    return done === 1;
  }

  /** Deletes a host, returning what was stored, or undefined when there was none. */
  async remove(org: string, id: string): Promise<Host | undefined> {
    const key = this.keys.orgHosts(org);
    const replies = await guard('hosts', () => this.redis.multi().hget(key, id).hdel(key, id).exec());
    const [got, deleted] = replies ?? [];
    if (got?.[0] || deleted?.[0]) throw new Error('host delete failed inside MULTI', { cause: got?.[0] });
    return deleted?.[1] === 1 && typeof got?.[1] === 'string' ? parseHost(got[1]) : undefined;
  }
}
