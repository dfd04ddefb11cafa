import { readFileSync } from 'node:fs';
import type { ChainableCommander } from 'ioredis';
import { dayStart, windowStart } from '../layout.ts';
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
  const replies = await execHost(ctx.redis, (p) => addIndexReads(p, ctx, org, host, from, to, withRollups));
  return indexesOf(replies, withRollups);
}

/** See the script's header; sent with EVAL, so a Redis that restarted or failed over never lacks it. */
const ZSCORES_EACH = readFileSync(new URL('./lua/zscores-each.lua', import.meta.url), 'utf8');

/** Adds the index reads of `readIndexes` to a pipeline: one command (`INDEX_COMMANDS`). */
export function addIndexReads(
  p: ChainableCommander,
  ctx: TsdbContext,
  org: string,
  host: string,
  from: number,
  to: number,
  withRollups: boolean,
): void {
  const { keys } = ctx;
  const lo = Number.isFinite(from) ? windowStart(from) : '-inf';
  const hi = Number.isFinite(to) ? to : '+inf';
  const dayLo = Number.isFinite(from) ? dayStart(from) : '-inf';
  const indexes = [keys.windowIndex(org, host, 'raw'), keys.heads(org, host)];
  const lows = [lo, lo];
  if (withRollups) {
    indexes.push(keys.windowIndex(org, host, '1m'), keys.hourlyIndex(org, host));
    lows.push(lo, dayLo);
  }
  p.call('EVAL', ZSCORES_EACH, indexes.length, ...indexes, hi, ...lows);
}

/** Pipeline commands `addIndexReads` adds. */
export const INDEX_COMMANDS = 1;

/** The indexes from the replies of `addIndexReads`. */
export function indexesOf(replies: readonly unknown[], withRollups: boolean): WindowIndexes {
  const lists = Array.isArray(replies[0]) ? (replies[0] as unknown[]) : [];
  const at = (i: number) => scoreList(lists[i]);
  return {
    raw: at(0),
    heads: at(1),
    minute: withRollups ? at(2) : [],
    days: withRollups ? at(3) : [],
  };
}

/** Scores joined by ',' (zscores-each.lua) as numbers. */
function scoreList(joined: unknown): number[] {
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
