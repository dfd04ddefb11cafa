import { readFileSync } from 'node:fs';
import type { Keys, RedisClient } from '../redis/index.ts';
import { guard, recordParser } from './redis-json.ts';
import { Host } from './schema.ts';
import type { SecretSeal } from './secret-seal.ts';
import { openSettings, sealSettings } from './secrets.ts';

const hsetIf = readFileSync(new URL('./lua/hset-if-1.lua', import.meta.url), 'utf8');
const parseHost = recordParser(Host, 'host');

/** A host as read, with the exact JSON it was read from (the compare value of an update). */
export interface StoredHost {
  readonly host: Host;
  readonly json: string;
  /** The record holds secrets in plaintext or under an older key: the next write seals them anew. */
  readonly stale: boolean;
}

/**
 * The host registry of every org: one HASH per org, host id → host JSON. With a seal, collector secrets
 * are stored sealed (AES-256-GCM, bound to org, host and field) and opened when read; records written
 * before sealing are read as they are and sealed when next written.
 */
export class RedisHosts {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly seal?: SecretSeal,
  ) {}

  async list(org: string): Promise<Host[]> {
    const values = await guard('hosts', () => this.redis.hvals(this.keys.orgHosts(org)));
    return values
      .map((json) => this.read(org, json)?.host)
      .filter((h): h is Host => h !== undefined)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async get(org: string, id: string): Promise<StoredHost | undefined> {
    const json = await guard('hosts', () => this.redis.hget(this.keys.orgHosts(org), id));
    return this.read(org, json);
  }

  /** Stores a new host; false when the id is taken in this org. */
  async insert(org: string, host: Host): Promise<boolean> {
    const json = this.write(org, host);
    const set = await guard('hosts', () => this.redis.hsetnx(this.keys.orgHosts(org), host.id, json));
    return set === 1;
  }

  /** Replaces a host only if it is still stored as `expectedJson`; false otherwise. */
  async replace(org: string, expectedJson: string, host: Host): Promise<boolean> {
    const key = this.keys.orgHosts(org);
    const json = this.write(org, host);
    const done = await guard('hosts', () => this.redis.eval(hsetIf, 1, key, host.id, expectedJson, json));
    return done === 1;
  }

  /** Deletes a host, returning what was stored, or undefined when there was none. */
  async remove(org: string, id: string): Promise<Host | undefined> {
    const key = this.keys.orgHosts(org);
    const replies = await guard('hosts', () => this.redis.multi().hget(key, id).hdel(key, id).exec());
    const [got, deleted] = replies ?? [];
    if (got?.[0] || deleted?.[0]) throw new Error('host delete failed inside MULTI', { cause: got?.[0] });
    return deleted?.[1] === 1 && typeof got?.[1] === 'string' ? this.read(org, got[1])?.host : undefined;
  }

  async count(org: string): Promise<number> {
    return guard('hosts', () => this.redis.hlen(this.keys.orgHosts(org)));
  }

  /** Deletes the org's whole registry (what `remove` left: records that no longer parse). */
  async removeAll(org: string): Promise<void> {
    await guard('hosts', () => this.redis.del(this.keys.orgHosts(org)));
  }

  private write(org: string, host: Host): string {
    if (!this.seal) return JSON.stringify(host);
    const settings = sealSettings(host.collector.settings, this.seal, `${org}/${host.id}`);
    return JSON.stringify({ ...host, collector: { ...host.collector, settings } });
  }

  private read(org: string, json: string | null | undefined): StoredHost | undefined {
    const stored = parseHost(json);
    if (!stored || typeof json !== 'string') return undefined;
    if (!this.seal) return { host: stored, json, stale: false };
    const { settings, stale } = openSettings(stored.collector.settings, this.seal, `${org}/${stored.id}`);
    return { host: { ...stored, collector: { ...stored.collector, settings } }, json, stale };
  }
}
