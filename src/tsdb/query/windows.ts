import { readFileSync } from 'node:fs';
import type { ChainableCommander } from 'ioredis';
import { readOnlyScript } from '../../redis/local-writes.ts';
import { dayStart, WINDOW_MS, windowStart } from '../layout.ts';
import type { TsdbContext } from '../options.ts';
import { execHost } from './pipeline.ts';

/** Which windows (and days) of one host hold data of each kind, oldest first. */
export interface WindowIndexes {
  /** Sealed windows that still hold raw columns. */
  readonly raw: readonly number[];
  /** Sealed windows that hold 1-minute rollups (empty unless asked for). */
  readonly minute: readonly number[];
  /** Windows with an unsealed head (late samples may give a sealed window a head again). */
  readonly heads: readonly number[];
  /** Days with 1-hour rollups (empty unless asked for). */
  readonly days: readonly number[];
}

/**
 * Reads the window indexes of one host for windows overlapping [from, to], in one round trip. Scores
 * are read rather than members, so the index format only has to promise score = window start.
 */
export async function readIndexes(
  ctx: TsdbContext,
  org: string,
  host: string,
  from: number,
  to: number,
  withRollups: boolean,
): Promise<WindowIndexes> {
  let read: IndexRead | undefined;
  const replies = await execHost(ctx.redis, (p) => {
    read = addIndexReads(p, ctx, org, host, from, to, withRollups);
  });
  return (read as IndexRead).parse(replies);
}

/**
 * From how many windows on a read of many windows goes as one script call rather than a command per
 * index or window: measured, EVAL costs ~20 µs more than a couple of plain commands (a 40-minute range:
 * 0.37 against 0.35 ms), and saves milliseconds of client CPU past a few dozen windows.
 */
export const MANY_WINDOWS = 16;

/** See the script's header; sent with EVAL, so a Redis that restarted or failed over never lacks it. */
const ZSCORES_EACH = readOnlyScript(readFileSync(new URL('./lua/zscores-each.lua', import.meta.url), 'utf8'));

/** What `addIndexReads` added: how many pipeline commands, and how to read their replies. */
export interface IndexRead {
  readonly commands: number;
  parse(replies: readonly unknown[]): WindowIndexes;
}

/**
 * Adds the index reads of `readIndexes` to a pipeline: for a span of `MANY_WINDOWS` windows or more,
 * one EVAL of zscores-each.lua; for fewer, a ZRANGEBYSCORE per index (2, 4 with the rollups).
 */
export function addIndexReads(
  p: ChainableCommander,
  ctx: TsdbContext,
  org: string,
  host: string,
  from: number,
  to: number,
  withRollups: boolean,
): IndexRead {
  const { keys } = ctx;
  const { lo, hi, dayLo } = indexBounds(from, to);
  const indexes = [keys.windowIndex(org, host, 'raw'), keys.heads(org, host)];
  const lows = [lo, lo];
  if (withRollups) {
    indexes.push(keys.windowIndex(org, host, '1m'), keys.hourlyIndex(org, host));
    lows.push(lo, dayLo);
  }
  const indexesOf = (lists: readonly number[][]): WindowIndexes => ({
    raw: lists[0] ?? [],
    heads: lists[1] ?? [],
    minute: withRollups ? (lists[2] ?? []) : [],
    days: withRollups ? (lists[3] ?? []) : [],
  });
  const span = typeof lo === 'number' && typeof hi === 'number' ? (hi - lo) / WINDOW_MS : Infinity;
  if (span >= MANY_WINDOWS) {
    p.call('EVAL', ZSCORES_EACH, indexes.length, ...indexes, hi, ...lows);
    return {
      commands: 1,
      parse: (replies) => indexesOf((Array.isArray(replies[0]) ? replies[0] : []).map(startList)),
    };
  }
  // Members are their own scores written out (see zscores-each.lua): no WITHSCORES.
  indexes.forEach((index, i) => {
    p.zrangebyscore(index, lows[i] as number | string, hi);
  });
  return { commands: indexes.length, parse: (replies) => indexesOf(replies.map(startsOf)) };
}

/**
 * The score bounds the index reads of [from, to] ask for. Every score is a window or day start (days
 * are whole windows): asking up to the window of `to` finds the same ones, and reads of ranges that
 * end within one window are the same commands (the tracked read cache keeps them by their commands).
 */
function indexBounds(from: number, to: number) {
  return {
    lo: Number.isFinite(from) ? windowStart(from) : '-inf',
    hi: Number.isFinite(to) ? windowStart(to) : '+inf',
    dayLo: Number.isFinite(from) ? dayStart(from) : '-inf',
  } as const;
}

/**
 * What decides the index reads `addIndexReads` adds for a host: two reads with the same key send the
 * same commands, so equal replies parse to equal indexes.
 */
export function indexReadKey(from: number, to: number, withRollups: boolean): string {
  const { lo, hi, dayLo } = indexBounds(from, to);
  return `${lo}:${hi}:${dayLo}:${withRollups}`;
}

/** The members of a ZRANGEBYSCORE reply as numbers: the window or day starts. */
function startsOf(reply: unknown): number[] {
  return Array.isArray(reply) ? (reply as string[]).map(Number) : [];
}

/** Members joined by ',' (zscores-each.lua) as numbers. */
function startList(joined: unknown): number[] {
  if (typeof joined !== 'string' || joined === '') return [];
  return joined.split(',').map(Number);
}

/**
 * Sorted union of window starts. Each list is expected in ascending order, as the indexes' scores come
 * (an unsorted one is sorted first), so the union is one merge rather than a Set and a sort: a 30-day
 * aggregate unions ~360 windows of four indexes.
 */
export function unionWindows(...lists: ReadonlyArray<readonly number[]>): number[] {
  const sorted = lists.map((list) => (isAscending(list) ? list : [...list].sort((a, b) => a - b)));
  const at = new Array<number>(sorted.length).fill(0);
  const out: number[] = [];
  for (;;) {
    let next = Number.POSITIVE_INFINITY;
    for (let i = 0; i < sorted.length; i++) {
      const list = sorted[i] as readonly number[];
      const j = at[i] as number;
      if (j < list.length && (list[j] as number) < next) next = list[j] as number;
    }
    if (next === Number.POSITIVE_INFINITY) return out;
    out.push(next);
    for (let i = 0; i < sorted.length; i++) {
      const list = sorted[i] as readonly number[];
      let j = at[i] as number;
      while (j < list.length && list[j] === next) j++;
      at[i] = j;
    }
  }
}

function isAscending(list: readonly number[]): boolean {
  for (let i = 1; i < list.length; i++) if ((list[i] as number) < (list[i - 1] as number)) return false;
  return true;
}
