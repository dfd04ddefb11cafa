import { readFileSync } from 'node:fs';
import type { Keys, RedisClient } from '../../redis/index.ts';
import type { HistoryEntry, InstanceRecord, StoredAlert } from './types.ts';

const commitScript = readFileSync(new URL('./lua/alerts-commit-5.lua', import.meta.url), 'utf8');

/** The org's lifecycle keys, under `keys.alerts(org)`. */
type StoreKey = 'state' | 'inst' | 'resolved' | 'history' | 'outbox';

/** KEYS of `alerts-commit-5.lua`, in order. */
const COMMIT_KEYS = ['state', 'inst', 'resolved', 'history', 'outbox'] as const;

/** A record as read: its JSON (the compare value of a commit) and its parsed form. */
export interface Read<T> {
  readonly raw: string | null;
  readonly value: T | undefined;
}

/** One compare-and-set change of an org's lifecycle records (see `alerts-commit-5.lua`). */
export interface Commit {
  /** History entries older than this are trimmed (0: none). */
  readonly trimBefore: number;
  readonly instChecks: ReadonlyArray<readonly [string, string | null]>;
  readonly stateChecks: ReadonlyArray<readonly [string, string | null]>;
  readonly instWrites: ReadonlyArray<readonly [string, string | null]>;
  readonly stateWrites: ReadonlyArray<readonly [string, string | null]>;
  readonly resolvedWrites: ReadonlyArray<readonly [string, number | null]>;
  readonly history: readonly HistoryEntry[];
  /** Notifications to record in the outbox (JSON members, see `outbox.ts`), scored `outboxAt`. */
  readonly outbox: readonly string[];
  readonly outboxAt: number;
  /** Outbox entries kept at most; the oldest are dropped beyond. */
  readonly outboxMax: number;
}

/** The field of a rule instance in the `inst` hash. */
export function instField(ruleId: string, instance: string): string {
  return `${ruleId}#${instance}`;
}

function parse<T>(raw: string | null): Read<T> {
  return { raw, value: raw === null ? undefined : (JSON.parse(raw) as T) };
}

function flat(pairs: ReadonlyArray<readonly [string, string | number | null]>): string[] {
  return [String(pairs.length), ...pairs.flatMap(([k, v]) => [k, v === null ? '' : String(v)])];
}

function entryArgs(e: HistoryEntry): string[] {
  return [
    String(e.at),
    e.alertId,
    String(e.seq),
    e.action,
    e.from ?? '',
    e.to,
    e.host,
    e.by ?? '',
    e.note ?? '',
  ];
}

/** A stream entry's fields back into a history entry. */
function entryOf(org: string, fields: readonly string[]): HistoryEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] as string] = fields[i + 1] as string;
  const alertId = f.a ?? '';
  return {
    alertId,
    org,
    seq: Number(f.s),
    action: f.x as HistoryEntry['action'],
    from: f.f ? (f.f as HistoryEntry['to']) : null,
    to: f.o as HistoryEntry['to'],
    at: Number(f.at),
    ...(f.b && { by: f.b }),
    ...(f.n && { note: f.n }),
    host: f.h ?? '',
    ruleId: alertId.slice(0, alertId.indexOf(':')),
  };
}

/**
 * One org's lifecycle records in Redis, under `keys.alerts(org)` (one hash tag, so the commit script
 * touches them together on a Cluster): `state` HASH alert id → alert JSON (open ones and resolved ones
 * for 30 days), `inst` HASH rule#instance → instance record (the open alert's id: the index of open
 * alerts), `resolved` ZSET (score resolvedAt: listing and trimming), `history` STREAM of transitions
 * (entry id ≈ `at`, so a time range is an XRANGE and trimming is XTRIM MINID), `outbox` ZSET of
 * notifications committed but not yet queued (see `outbox.ts`).
 */
export class StateStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  key(org: string, name: StoreKey): string {
    return `${this.keys.alerts(org)}${name}`;
  }

  async instances(org: string, fields: readonly string[]): Promise<Read<InstanceRecord>[]> {
    if (fields.length === 0) return [];
    return (await this.redis.hmget(this.key(org, 'inst'), ...fields)).map((raw) =>
      parse<InstanceRecord>(raw),
    );
  }

  async allInstances(org: string): Promise<Map<string, Read<InstanceRecord>>> {
    const all = await this.redis.hgetall(this.key(org, 'inst'));
    return new Map(Object.entries(all).map(([field, raw]) => [field, parse<InstanceRecord>(raw)]));
  }

  async alerts(org: string, ids: readonly string[]): Promise<Read<StoredAlert>[]> {
    const out: Read<StoredAlert>[] = [];
    for (let i = 0; i < ids.length; i += 1000) {
      const raws = await this.redis.hmget(this.key(org, 'state'), ...ids.slice(i, i + 1000));
      out.push(...raws.map((raw) => parse<StoredAlert>(raw)));
    }
    return out;
  }

  /** Ids of open alerts (from the instance records). */
  async openIds(org: string): Promise<string[]> {
    const values = await this.redis.hvals(this.key(org, 'inst'));
    return values.map((raw) => (JSON.parse(raw) as InstanceRecord).id).filter((id) => id !== null);
  }

  /** Ids of resolved alerts, newest resolution first. */
  resolvedIds(org: string): Promise<string[]> {
    return this.redis.zrevrange(this.key(org, 'resolved'), 0, -1);
  }

  resolvedSince(org: string, since: number): Promise<number> {
    return this.redis.zcount(this.key(org, 'resolved'), since, '+inf');
  }

  /**
   * Writes the change if nothing it was computed from changed meanwhile: the number of outbox entries
   * dropped to keep within its bound, or undefined when a record changed (nothing written).
   */
  async commit(org: string, c: Commit): Promise<number | undefined> {
    const args = [
      String(c.trimBefore),
      ...flat(c.instChecks),
      ...flat(c.stateChecks),
      ...flat(c.instWrites),
      ...flat(c.stateWrites),
      ...flat(c.resolvedWrites),
      String(c.history.length),
      ...c.history.flatMap(entryArgs),
      String(c.outboxAt),
      String(c.outboxMax),
      String(c.outbox.length),
      ...c.outbox,
    ];
    const keys = COMMIT_KEYS.map((k) => this.key(org, k));
    const written = Number(await this.redis.eval(commitScript, COMMIT_KEYS.length, ...keys, ...args));
    return written === 0 ? undefined : written - 1;
  }

  /**
   * History entries with ids in (after, to], oldest first, at most `count` read (the filter may
   * keep fewer). `next`: the id to continue after, or undefined at the end.
   */
  async history(
    org: string,
    range: { readonly from: string; readonly to: number; readonly count: number },
  ): Promise<{ entries: HistoryEntry[]; ids: string[]; next: string | undefined }> {
    const raw = (await this.redis.xrange(
      this.key(org, 'history'),
      range.from,
      String(range.to),
      'COUNT',
      range.count,
    )) as Array<[string, string[]]>;
    const entries = raw.map(([, fields]) => entryOf(org, fields));
    const ids = raw.map(([id]) => id);
    const last = ids.at(-1);
    return { entries, ids, next: raw.length === range.count && last !== undefined ? `(${last}` : undefined };
  }

  /** Drops resolved alerts and history older than `cutoff`. */
  async trim(org: string, cutoff: number): Promise<void> {
    const old = await this.redis.zrangebyscore(this.key(org, 'resolved'), '-inf', cutoff);
    for (let i = 0; i < old.length; i += 1000) {
      const ids = old.slice(i, i + 1000);
      await this.redis.hdel(this.key(org, 'state'), ...ids);
      await this.redis.zrem(this.key(org, 'resolved'), ...ids);
    }
    await this.redis.xtrim(this.key(org, 'history'), 'MINID', cutoff);
  }
}
