import { QueryRejectedError } from '../errors.ts';
import { bucketStart, dayStart, type Tier } from '../layout.ts';
import { LEAN_COLUMNS } from '../window-format.ts';
import { columnsFor, type RollupColumn } from './rollup-columns.ts';
import type { AggregateFn } from './types.ts';
import type { WindowIndexes } from './windows.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
/** A bound on the answer's size (and memory): a finer step over a longer range is refused. */
export const MAX_BUCKETS = 1_000_000;

const QUANTILES: Partial<Record<AggregateFn, number>> = { p50: 0.5, p95: 0.95, p99: 0.99 };

export interface AggregatePlan {
  readonly stepMs: number;
  /** First bucket start and last bucket end (inclusive). */
  readonly from: number;
  readonly to: number;
  readonly preferred: Tier;
  /**
   * Width of the partial buckets raw points are rolled into before they are combined: the bucket width
   * of the preferred rollup tier, so that points from the hot tier, a head or a sealed raw column go
   * through exactly the arithmetic the sealer used for the rollups, and all give the same answer.
   */
  readonly baseMs: number;
  /** Rank fraction of a percentile function; undefined for the others. */
  readonly quantile: number | undefined;
  /** The rollup columns `fn` needs; only these are decoded. */
  readonly columns: ReadonlySet<RollupColumn>;
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * The step as used (whole minutes from a minute up) and the whole buckets [first, last] it makes.
 * Past `MAX_BUCKETS` buckets it throws `QueryRejectedError` (a 400 naming the limit).
 */
function bucketsOf(from: number, to: number, stepMs: number) {
  if (!Number.isFinite(stepMs) || stepMs < 1)
    throw new RangeError(`step must be at least 1 ms (got ${stepMs})`);
  const step = stepMs >= MINUTE_MS ? Math.round(stepMs / MINUTE_MS) * MINUTE_MS : Math.floor(stepMs);
  const first = bucketStart(from, step);
  const last = bucketStart(to, step) + step - 1;
  const buckets = (last + 1 - first) / step;
  if (buckets > MAX_BUCKETS) {
    throw new QueryRejectedError(
      `the range holds ${count(buckets)} buckets of ${step} ms; at most ${count(MAX_BUCKETS)} per query (raise step)`,
    );
  }
  return { step, first, last };
}

/**
 * Refuses an aggregate of more than `MAX_BUCKETS` buckets with `QueryRejectedError`. Plain arithmetic,
 * so a route runs it before it reads anything (`aggregate` checks again through `planAggregate`).
 */
export function checkBucketCount(from: number, to: number, stepMs: number): void {
  bucketsOf(from, to, stepMs);
}

/**
 * Tier choice from the step. Steps of a minute or more are rounded to whole minutes, so 1-minute
 * rollups always combine exactly into buckets; buckets are aligned to the step (start = ⌊t/step⌋·step)
 * and whole: [from, to] is widened to the buckets it touches. Preferred tier: raw for steps below a
 * minute and for percentiles (which rollups cannot give); 1h for whole hours; else 1m. Throws
 * `QueryRejectedError` past `MAX_BUCKETS` buckets, before anything is read.
 */
export function planAggregate(from: number, to: number, stepMs: number, fn: AggregateFn): AggregatePlan {
  const { step, first, last } = bucketsOf(from, to, stepMs);
  const quantile = QUANTILES[fn];
  const preferred: Tier =
    quantile !== undefined || step < MINUTE_MS ? 'raw' : step % HOUR_MS === 0 ? '1h' : '1m';
  const baseMs = preferred === '1h' ? HOUR_MS : preferred === '1m' ? MINUTE_MS : step;
  return { stepMs: step, from: first, to: last, preferred, baseMs, quantile, columns: columnsFor(fn) };
}

const ORDER: Record<Tier, readonly Tier[]> = {
  raw: ['raw', '1m', '1h'],
  '1m': ['1m', 'raw', '1h'],
  '1h': ['1h', '1m', 'raw'],
};

/**
 * Where a window's sealed data is read from: the first tier in preference order that holds it. A
 * window with a head is read raw (sealed raw merged with the head) whenever its raw columns are still
 * there, since head samples may replace sealed ones; the rare head on a window whose raw columns have
 * expired is combined with its rollups instead. A window that keeps its raw columns has lean 1-minute
 * blocks (sum and count only): min, max and last are read raw there. Undefined when nothing sealed is
 * left.
 */
export function sealedSource(
  plan: AggregatePlan,
  index: IndexSets,
  ws: number,
  skip?: Tier,
): Tier | undefined {
  if (index.heads.has(ws) && index.raw.has(ws)) return 'raw';
  const lean = index.raw.has(ws) && !leanHolds(plan.columns);
  return ORDER[plan.preferred].find(
    (tier) => tier !== skip && !(lean && tier === '1m') && holds(index, tier, ws),
  );
}

/** Whether lean 1-minute blocks hold every column of `columns`. */
function leanHolds(columns: ReadonlySet<RollupColumn>): boolean {
  for (const column of columns) if (!LEAN_COLUMNS.has(column)) return false;
  return true;
}

export interface IndexSets {
  readonly raw: ReadonlySet<number>;
  readonly minute: ReadonlySet<number>;
  readonly heads: ReadonlySet<number>;
  readonly days: ReadonlySet<number>;
}

export function indexSets(index: WindowIndexes): IndexSets {
  return {
    raw: new Set(index.raw),
    minute: new Set(index.minute),
    heads: new Set(index.heads),
    days: new Set(index.days),
  };
}

function holds(index: IndexSets, tier: Tier, ws: number): boolean {
  if (tier === 'raw') return index.raw.has(ws);
  if (tier === '1m') return index.minute.has(ws);
  return index.days.has(dayStart(ws));
}
