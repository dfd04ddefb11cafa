import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ChainableCommander } from 'ioredis';
import { execGrouped, type PipelineOp, type RedisClient } from '../redis/index.ts';
import { decodeBlock } from './codec.ts';
import type { EventType } from './contract.ts';
import { type EventKeys, WINDOW_MS, windowOf } from './layout.ts';
import type { StoredEvent } from './record.ts';

const appendLua = readFileSync(new URL('./lua/events-append-2.lua', import.meta.url), 'utf8');
const appendSha = createHash('sha1').update(appendLua).digest('hex');

/** One packed batch for one org, type and window, with what the stats hash counts of it. */
export interface BatchPart {
  readonly org: string;
  readonly type: EventType;
  readonly windowStart: number;
  /** This process' sequence number of the part: parts are applied once, in this order. */
  readonly seq: number;
  readonly bytes: Buffer;
  readonly events: number;
  readonly errors: number;
  readonly lastAt: number;
  readonly lastError: { readonly at: number; readonly message: string } | undefined;
}

/** What the stats hash of one type holds. */
export interface StoredStats {
  /** Events and errors per window start still inside retention. */
  readonly counts: ReadonlyMap<number, { events: number; errors: number }>;
  readonly lastAt: number | undefined;
  readonly lastError: { readonly at: number; readonly message: string } | undefined;
  /** Writing processes and when each last wrote (ms). */
  readonly writers: ReadonlyMap<string, number>;
}

/** Reads and writes the packed event blocks and stats hashes. */
export class EventRedisStore {
  constructor(
    private readonly redis: RedisClient,
    readonly keys: EventKeys,
    private readonly proc: string,
    private readonly retentionMs: number,
  ) {}

  /**
   * Applies the parts in one pipeline (grouped by slot on a Cluster). Safe to repeat: a part already
   * applied is skipped by the script. EVALSHA first; on NOSCRIPT (a restarted or new server) EVAL.
   */
  async write(parts: readonly BatchPart[], now: number): Promise<void> {
    try {
      await execGrouped(this.redis, this.ops(parts, now, true));
    } catch (err: unknown) {
      if (!String((err as { cause?: unknown })?.cause ?? err).includes('NOSCRIPT')) throw err;
      await execGrouped(this.redis, this.ops(parts, now, false));
    }
  }

  private ops(parts: readonly BatchPart[], now: number, bySha: boolean): PipelineOp[] {
    const ops: PipelineOp[] = [];
    const seen = new Set<string>();
    for (const p of parts) {
      const keys = [this.keys.stats(p.org, p.type), this.keys.block(p.org, p.type, p.windowStart)];
      const args = [
        this.proc,
        p.seq,
        now,
        this.retentionMs,
        p.windowStart,
        WINDOW_MS,
        p.events,
        p.errors,
        p.lastAt,
        p.lastError ? p.lastError.at : '',
        p.lastError?.message ?? '',
        p.bytes,
      ];
      const run = (pl: ChainableCommander) =>
        bySha ? pl.evalsha(appendSha, 2, ...keys, ...args) : pl.eval(appendLua, 2, ...keys, ...args);
      ops.push({ key: keys[0] as string, add: run });
      if (!seen.has(`${p.org}\n${p.type}`)) {
        seen.add(`${p.org}\n${p.type}`);
        const typesKey = this.keys.types(p.org);
        ops.push({ key: typesKey, add: (pl) => pl.sadd(typesKey, p.type) });
        const orgsKey = this.keys.orgs();
        ops.push({ key: orgsKey, add: (pl) => pl.sadd(orgsKey, p.org) });
      }
    }
    return ops;
  }

  /** Events of one type in the windows overlapping [from, to] (unsorted, not filtered by time). */
  async readWindows(org: string, type: EventType, from: number, to: number): Promise<StoredEvent[]> {
    const starts: number[] = [];
    for (let w = windowOf(from); w <= to; w += WINDOW_MS) starts.push(w);
    if (starts.length === 0) return [];
    const blocks = await this.redis.mgetBuffer(...starts.map((w) => this.keys.block(org, type, w)));
    const out: StoredEvent[] = [];
    blocks.forEach((block, i) => {
      if (block && block.length > 0) {
        for (const e of decodeBlock(block, org, type, starts[i] ?? 0)) out.push(e);
      }
    });
    return out;
  }

  async types(org: string): Promise<EventType[]> {
    return (await this.redis.smembers(this.keys.types(org))) as EventType[];
  }

  async orgs(): Promise<string[]> {
    return this.redis.smembers(this.keys.orgs());
  }

  async stats(org: string, type: EventType): Promise<StoredStats> {
    return parseStats(await this.redis.hgetall(this.keys.stats(org, type)));
  }
}

function parseStats(hash: Record<string, string>): StoredStats {
  const counts = new Map<number, { events: number; errors: number }>();
  const writers = new Map<string, number>();
  const bucket = (w: number) => {
    const c = counts.get(w) ?? { events: 0, errors: 0 };
    counts.set(w, c);
    return c;
  };
  for (const [field, value] of Object.entries(hash)) {
    const [kind, rest] = [field.slice(0, 2), field.slice(2)];
    if (kind === 'c:') bucket(Number(rest)).events = Number(value);
    else if (kind === 'e:') bucket(Number(rest)).errors = Number(value);
    else if (kind === 'p:') writers.set(rest, Number(value.slice(value.indexOf(':') + 1)));
  }
  const lastAt = hash.last === undefined ? undefined : Number(hash.last);
  const lastError =
    hash.lastErrAt === undefined ? undefined : { at: Number(hash.lastErrAt), message: hash.lastErrMsg ?? '' };
  return { counts, lastAt, lastError, writers };
}
