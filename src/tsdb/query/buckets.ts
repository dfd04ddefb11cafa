import { bucketStart } from '../layout.ts';
import { type Points, slicePoints } from '../points.ts';
import { computeRollup, type Rollup } from '../window-format.ts';
import type { RollupColumn } from './rollup-columns.ts';
import type { AggregateFn } from './types.ts';

/**
 * Rolls raw points within [from, to] into partial buckets of `baseMs`, with the sealer's own
 * `computeRollup` (NaN samples skipped), so raw data and stored rollups give bit-identical partials.
 */
export function rollRaw(points: Points, from: number, to: number, baseMs: number): Rollup {
  const origin = bucketStart(from, baseMs);
  const slots = Math.ceil((to + 1 - origin) / baseMs);
  return computeRollup(slicePoints(points, from, to), origin, baseMs, slots);
}

/**
 * Combines partial buckets (fed in time order) into buckets of `stepMs`: min of mins, max of maxes,
 * Σsum, Σcount, the last of the newest partial. A bucket takes its first partial as is, so a bucket
 * made of one partial is bit-identical to it. Only the `columns` asked for are combined (rollups read
 * for one function carry only the columns it needs).
 */
export class BucketFold {
  private readonly starts: number[] = [];
  private readonly cols: Record<RollupColumn, number[]> = { min: [], max: [], sum: [], count: [], last: [] };
  private readonly columns: readonly RollupColumn[];

  constructor(
    private readonly stepMs: number,
    private readonly from: number,
    private readonly to: number,
    columns: ReadonlySet<RollupColumn>,
  ) {
    this.columns = [...columns];
  }

  add(r: Rollup): void {
    // Output bucket of each partial, or -1 outside [from, to]; `fresh` marks a bucket's first partial.
    // Partials come in time order, so a new bucket starts once a partial passes the current one's end.
    const slot = new Int32Array(r.starts.length).fill(-1);
    const fresh = new Uint8Array(r.starts.length);
    let k = this.starts.length - 1;
    let end = k < 0 ? Number.NEGATIVE_INFINITY : (this.starts[k] as number) + this.stepMs;
    for (let i = 0; i < r.starts.length; i++) {
      const s = r.starts[i] as number;
      if (s < this.from || s > this.to) continue;
      if (s >= end) {
        const b = bucketStart(s, this.stepMs);
        this.starts.push(b);
        end = b + this.stepMs;
        fresh[i] = 1;
        k++;
      }
      slot[i] = k;
    }
    for (const name of this.columns) combineColumn(name, this.cols[name], r[name], slot, fresh);
  }

  /** One value per non-empty bucket. */
  result(fn: Exclude<AggregateFn, 'p50' | 'p95' | 'p99'>): Points {
    const timestamps = Float64Array.from(this.starts);
    if (fn !== 'avg') return { timestamps, values: Float64Array.from(this.cols[fn]) };
    const values = new Float64Array(this.starts.length);
    for (let k = 0; k < values.length; k++)
      values[k] = (this.cols.sum[k] as number) / (this.cols.count[k] as number);
    return { timestamps, values };
  }
}

/** One loop per combining rule, each with its operation inline: this fold is the hot path of a long aggregate. */
function combineColumn(
  name: RollupColumn,
  out: number[],
  col: Float64Array,
  slot: Int32Array,
  fresh: Uint8Array,
): void {
  const n = slot.length;
  if (name === 'sum' || name === 'count') {
    for (let i = 0; i < n; i++) {
      const k = slot[i] as number;
      if (k >= 0) out[k] = fresh[i] === 1 ? (col[i] as number) : (out[k] as number) + (col[i] as number);
    }
  } else if (name === 'min') {
    for (let i = 0; i < n; i++) {
      const k = slot[i] as number;
      if (k >= 0) out[k] = fresh[i] === 1 ? (col[i] as number) : Math.min(out[k] as number, col[i] as number);
    }
  } else if (name === 'max') {
    for (let i = 0; i < n; i++) {
      const k = slot[i] as number;
      if (k >= 0) out[k] = fresh[i] === 1 ? (col[i] as number) : Math.max(out[k] as number, col[i] as number);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const k = slot[i] as number;
      if (k >= 0) out[k] = col[i] as number;
    }
  }
}

/**
 * Nearest-rank percentile per bucket: the smallest value with at least q of the bucket's values at or
 * below it (rank ⌈q·n⌉), so the answer is always a sample that occurred. NaN samples are skipped.
 * `points` must be sorted by time.
 */
export function percentileBuckets(points: Points, stepMs: number, q: number): Points {
  const starts: number[] = [];
  const values: number[] = [];
  const { timestamps: ts, values: vs } = points;
  for (let i = 0; i < ts.length; ) {
    const b = bucketStart(ts[i] as number, stepMs);
    let j = i;
    while (j < ts.length && (ts[j] as number) < b + stepMs) j++;
    const bucket = vs
      .slice(i, j)
      .filter((v) => !Number.isNaN(v))
      .sort();
    i = j;
    if (bucket.length === 0) continue;
    starts.push(b);
    values.push(bucket[Math.max(0, Math.ceil(q * bucket.length) - 1)] as number);
  }
  return { timestamps: Float64Array.from(starts), values: Float64Array.from(values) };
}

/** A rollup as points (bucket start, average): what percentiles fall back to where raw has expired. */
export function rollupAverages(r: Rollup): Points {
  const values = new Float64Array(r.starts.length);
  for (let i = 0; i < values.length; i++) values[i] = (r.sum[i] as number) / (r.count[i] as number);
  return { timestamps: r.starts, values };
}

/** Merges two rollups of one window by bucket start (`b` after `a` on a tie); for the rare late head. */
export function mergeRollups(a: Rollup, b: Rollup): Rollup {
  const order = [...a.starts.keys()]
    .map((i) => [a, i] as const)
    .concat([...b.starts.keys()].map((i) => [b, i] as const));
  order.sort(([ra, ia], [rb, ib]) => (ra.starts[ia] as number) - (rb.starts[ib] as number));
  const pick = (col: keyof Rollup) => Float64Array.from(order, ([r, i]) => r[col][i] as number);
  return {
    starts: pick('starts'),
    min: pick('min'),
    max: pick('max'),
    sum: pick('sum'),
    count: pick('count'),
    last: pick('last'),
  };
}
