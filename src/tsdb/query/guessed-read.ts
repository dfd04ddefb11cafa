import { readFileSync } from 'node:fs';
import type { ChainableCommander } from 'ioredis';
import { readOnlyScript } from '../../redis/local-writes.ts';
import { dayStart, windowStart } from '../layout.ts';
import type { TsdbContext } from '../options.ts';
import { type IndexSets, indexSets } from './aggregate-plan.ts';
import { asBuffers, execHostTracked } from './pipeline.ts';
import { groupByDay } from './read-rollups.ts';
import { addIndexReads, type IndexRead, indexReadKey, MANY_WINDOWS } from './windows.ts';

/** A window read raw: its sealed fields, and its head first when it has one. */
export interface RawRead {
  readonly ws: number;
  readonly head: boolean;
}

/** What a query reads of one host, given its window indexes. */
export interface Reads {
  /** Windows read raw, oldest first. */
  readonly raw: readonly RawRead[];
  /** Windows whose 1-minute rollups are read. */
  readonly minute: readonly number[];
  /** Windows whose hourly rollups are read (one field of their day's HASH). */
  readonly hour: readonly number[];
}

/** The fields a read asks for: raw (`t`, `r:<id>`… and packs) and 1-minute rollups (`m:<id>`… and packs). */
export interface ReadFields {
  readonly raw: readonly string[];
  readonly minute: readonly string[];
  /**
   * Of `minute`, how many fields from the first are columns of their own, and how many after those are
   * their packs: the packs are then read only from windows that lack one of those columns (1-minute
   * blocks are whole, never split between the two). Absent: every field is read.
   */
  readonly minuteShape?: { readonly own: number; readonly packs: number };
}

/** The replies of one read: per raw window its head (when read) and sealed fields, per rollup window its fields. */
export interface ReadReplies {
  readonly sets: IndexSets;
  readonly reads: Reads;
  raw(ws: number): { readonly head: unknown; readonly sealed: unknown };
  minute(ws: number): unknown;
  hour(ws: number): unknown;
}

interface Memo {
  readonly from: number;
  readonly to: number;
  readonly withRollups: boolean;
  readonly sets: IndexSets;
  /** `indexReadKey` of the read, and its index replies as they came (`sets` parsed from them). */
  readonly indexKey: string;
  readonly indexReplies: readonly unknown[];
}

/** Hosts whose last indexes each process keeps (a Map in insertion order: the oldest go first). */
const MEMO_MAX = 10_000;
const memos = new WeakMap<TsdbContext, Map<string, Memo>>();

function memoOf(ctx: TsdbContext): Map<string, Memo> {
  let memo = memos.get(ctx);
  if (!memo) {
    memo = new Map();
    memos.set(ctx, memo);
  }
  return memo;
}

/**
 * Reads a host's window indexes over [from, to] and the windows `plan` picks from them, in one round
 * trip when the windows are the ones the host's indexes held at its last read in this process (they
 * change when a window opens, is sealed or expires: every two hours per host, not per query). The
 * guessed windows are read in the same pipeline as the indexes, after them; the indexes just read
 * decide, and any window they add, or whose head or tier differs from the guess, is read in a second
 * round trip, head first as always. So the answer is what two round trips (indexes, then windows)
 * gave: each window is read after the index that names it, and a head before its window's fields.
 */
export async function readGuessed(
  ctx: TsdbContext,
  org: string,
  host: string,
  bounds: { readonly from: number; readonly to: number; readonly withRollups: boolean },
  plan: (sets: IndexSets) => Reads,
  fields: ReadFields,
): Promise<ReadReplies> {
  const memo = memoOf(ctx);
  const memoKey = `${org}\u0000${host}`;
  const last = memo.get(memoKey);
  const indexKey = indexReadKey(bounds.from, bounds.to, bounds.withRollups);
  // Index reads of the same key as the last one ask for the same members: its sets, as they are.
  const sameKey = last?.indexKey === indexKey;
  const guessed = last ? (sameKey ? last.sets : within(last, bounds)) : undefined;
  const guess = guessed ? plan(guessed) : { raw: [], minute: [], hour: [] };
  let indexRead: IndexRead | undefined;
  const first = await execHostTracked(ctx, (p) => {
    indexRead = addIndexReads(p, ctx, org, host, bounds.from, bounds.to, bounds.withRollups);
    addReads(p, ctx, org, host, guess, fields);
  });
  const { commands, parse } = indexRead as IndexRead;
  const indexReplies = first.slice(0, commands);
  let sets: IndexSets;
  if (last && sameKey && sameReplies(indexReplies, last.indexReplies)) {
    // The same commands answered the same: the last read's sets (and any plan kept for them) serve.
    sets = last.sets;
  } else {
    const read = indexSets(parse(indexReplies));
    // Windows as guessed: the guess's own sets, so a plan worked out for them serves again.
    sets = guessed && sameSets(read, guessed) ? guessed : read;
  }
  memo.delete(memoKey);
  if (memo.size >= MEMO_MAX) memo.delete(memo.keys().next().value ?? '');
  memo.set(memoKey, { ...bounds, sets, indexKey, indexReplies });
  const reads = plan(sets);
  const replies = new Filed();
  collect(replies, guess, first.slice(commands), fields.minute.length);
  const missing = {
    raw: reads.raw.filter((r) => replies.rawOf(r) === undefined),
    minute: reads.minute.filter((ws) => !replies.minute.has(ws)),
    hour: reads.hour.filter((ws) => !replies.hour.has(ws)),
  };
  if (missing.raw.length + missing.minute.length + missing.hour.length > 0) {
    const second = await execHostTracked(ctx, (p) => addReads(p, ctx, org, host, missing, fields));
    collect(replies, missing, second, fields.minute.length);
  }
  return {
    sets,
    reads,
    raw: (ws) => {
      const reply = replies.rawOf({ ws, head: sets.heads.has(ws) });
      return { head: reply?.[0], sealed: reply?.[1] };
    },
    minute: (ws) => replies.minute.get(ws),
    hour: (ws) => replies.hour.get(ws),
  };
}

/** Index replies equal member for member (strings, arrays of them, nil). */
function sameReplies(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameReplies(a[i], b[i])) return false;
  return true;
}

function sameSets(a: IndexSets, b: IndexSets): boolean {
  return same(a.raw, b.raw) && same(a.minute, b.minute) && same(a.heads, b.heads) && same(a.days, b.days);
}

function same(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** Forgets every host's indexes (tests: a read that must not be guessed). */
export function forgetIndexes(ctx: TsdbContext): void {
  memos.delete(ctx);
}

/** Replies filed by window start: raw reads (with their head and without), 1-minute and hourly rollups. */
class Filed {
  readonly raw = new Map<number, [unknown, unknown]>();
  readonly rawWithHead = new Map<number, [unknown, unknown]>();
  readonly minute = new Map<number, unknown>();
  readonly hour = new Map<number, unknown>();

  /**
   * The replies of a raw read. A window guessed with a head that the indexes no longer list (sealed
   * meanwhile) was read head first all the same: that read serves.
   */
  rawOf(read: RawRead): [unknown, unknown] | undefined {
    if (read.head) return this.rawWithHead.get(read.ws);
    return this.raw.get(read.ws) ?? this.rawWithHead.get(read.ws);
  }
}

/** The remembered index sets cut to the bounds a new read asks the indexes for (scores lo ≤ s ≤ hi). */
function within(last: Memo, bounds: { from: number; to: number; withRollups: boolean }): IndexSets {
  const lo = Number.isFinite(bounds.from) ? windowStart(bounds.from) : Number.NEGATIVE_INFINITY;
  const dayLo = Number.isFinite(bounds.from) ? dayStart(bounds.from) : Number.NEGATIVE_INFINITY;
  const hi = bounds.to;
  const cut = (set: ReadonlySet<number>, from: number) =>
    new Set([...set].filter((s) => s >= from && s <= hi));
  const rollups = bounds.withRollups && last.withRollups;
  return {
    raw: cut(last.sets.raw, lo),
    heads: cut(last.sets.heads, lo),
    minute: rollups ? cut(last.sets.minute, lo) : new Set(),
    days: rollups ? cut(last.sets.days, dayLo) : new Set(),
  };
}

/** See the script's header; sent with EVAL, so a Redis that restarted or failed over never lacks it. */
const HMGET_EACH = readOnlyScript(readFileSync(new URL('./lua/hmget-each.lua', import.meta.url), 'utf8'));

/**
 * Windows per script call: a call runs alone on Redis, and a year of windows (4,380) would hold it
 * for ~15 ms; 512 keep each call near 2 ms and a 30-day read (360) to one.
 */
export const SCRIPT_WINDOWS = 512;

function scriptParts(windows: readonly number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < windows.length; i += SCRIPT_WINDOWS) out.push(windows.slice(i, i + SCRIPT_WINDOWS));
  return out;
}

function addReads(
  p: ChainableCommander,
  ctx: TsdbContext,
  org: string,
  host: string,
  reads: Reads,
  fields: ReadFields,
): void {
  const { keys } = ctx;
  for (const { ws, head } of reads.raw) {
    if (head) p.getBuffer(keys.head(org, host, ws));
    p.hmgetBuffer(keys.window(org, host, ws), ...fields.raw);
  }
  if (reads.minute.length >= MANY_WINDOWS) {
    for (const part of scriptParts(reads.minute)) {
      const windows = part.map((ws) => keys.window(org, host, ws));
      const shape = fields.minuteShape ?? { own: 0, packs: 0 };
      p.callBuffer('EVAL', HMGET_EACH, windows.length, ...windows, shape.own, shape.packs, ...fields.minute);
    }
  } else {
    for (const ws of reads.minute) p.hmgetBuffer(keys.window(org, host, ws), ...fields.minute);
  }
  for (const [day, list] of groupByDay(reads.hour))
    p.hmgetBuffer(keys.hourly(org, host, day), ...list.map(String));
}

/**
 * Files the replies of `reads` (in the order `addReads` asked for them) by window; `fields`: how many
 * fields each rollup window was asked for (from `MANY_WINDOWS` windows their replies come as one flat
 * array).
 */
function collect(into: Filed, reads: Reads, replies: readonly unknown[], fields: number): void {
  let at = 0;
  for (const read of reads.raw) {
    const head = read.head ? replies[at++] : undefined;
    (read.head ? into.rawWithHead : into.raw).set(read.ws, [head, replies[at++]]);
  }
  if (reads.minute.length >= MANY_WINDOWS) {
    for (const part of scriptParts(reads.minute)) {
      const flat = asBuffers(replies[at++]);
      part.forEach((ws, i) => {
        into.minute.set(ws, flat.slice(i * fields, (i + 1) * fields));
      });
    }
  } else {
    for (const ws of reads.minute) into.minute.set(ws, replies[at++]);
  }
  for (const [, list] of groupByDay(reads.hour)) {
    const reply = replies[at++];
    list.forEach((ws, i) => {
      into.hour.set(ws, Array.isArray(reply) ? reply[i] : undefined);
    });
  }
}
