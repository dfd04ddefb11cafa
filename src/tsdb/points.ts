import type { HeadSamples } from './head-record.ts';

/** The points of one series, sorted by timestamp, one value per timestamp. */
export interface Points {
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

export const emptyPoints: Points = { timestamps: new Float64Array(0), values: new Float64Array(0) };

/**
 * Splits head samples by series id, sorts each series by timestamp and keeps the last-appended value
 * for a repeated timestamp ("last write wins"; a replayed append repeats the same value, so it vanishes).
 * With `only`, other series are skipped before any sorting.
 */
export function pointsBySeries(head: HeadSamples, only?: ReadonlySet<number>): Map<number, Points> {
  const positions = new Map<number, number[]>();
  for (let i = 0; i < head.length; i++) {
    const id = head.ids[i] as number;
    if (only && !only.has(id)) continue;
    let list = positions.get(id);
    if (!list) {
      list = [];
      positions.set(id, list);
    }
    list.push(i);
  }
  const out = new Map<number, Points>();
  for (const [id, list] of positions) out.set(id, sortDedup(head, list));
  return out;
}

function sortDedup(head: HeadSamples, list: number[]): Points {
  // Stable by append position for equal timestamps, so the last appended sorts last and wins.
  list.sort((a, b) => (head.timestamps[a] as number) - (head.timestamps[b] as number) || a - b);
  const ts = new Float64Array(list.length);
  const vs = new Float64Array(list.length);
  let n = 0;
  for (const i of list) {
    const t = head.timestamps[i] as number;
    if (n > 0 && ts[n - 1] === t) n--;
    ts[n] = t;
    vs[n] = head.values[i] as number;
    n++;
  }
  return { timestamps: ts.subarray(0, n), values: vs.subarray(0, n) };
}

/** Merges two sorted point sets; where both have a timestamp, `newer` wins. */
export function mergePoints(older: Points, newer: Points): Points {
  if (older.timestamps.length === 0) return newer;
  if (newer.timestamps.length === 0) return older;
  const cap = older.timestamps.length + newer.timestamps.length;
  const ts = new Float64Array(cap);
  const vs = new Float64Array(cap);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < older.timestamps.length || j < newer.timestamps.length) {
    const a = i < older.timestamps.length ? (older.timestamps[i] as number) : Number.POSITIVE_INFINITY;
    const b = j < newer.timestamps.length ? (newer.timestamps[j] as number) : Number.POSITIVE_INFINITY;
    if (b <= a) {
      ts[n] = b;
      vs[n++] = newer.values[j++] as number;
      if (a === b) i++;
    } else {
      ts[n] = a;
      vs[n++] = older.values[i++] as number;
    }
  }
  return { timestamps: ts.subarray(0, n), values: vs.subarray(0, n) };
}

/** The points with from ≤ timestamp ≤ to (binary search; the input is sorted). */
export function slicePoints(points: Points, from: number, to: number): Points {
  const lo = lowerBound(points.timestamps, from);
  const hi = lowerBound(points.timestamps, to + 1);
  if (lo === 0 && hi === points.timestamps.length) return points;
  return { timestamps: points.timestamps.subarray(lo, hi), values: points.values.subarray(lo, hi) };
}

export function lowerBound(sorted: Float64Array, target: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Concatenates point sets that are sorted and do not overlap, oldest first. */
export function concatPoints(parts: readonly Points[]): Points {
  if (parts.length === 1 && parts[0]) return parts[0];
  const total = parts.reduce((s, p) => s + p.timestamps.length, 0);
  const ts = new Float64Array(total);
  const vs = new Float64Array(total);
  let at = 0;
  for (const p of parts) {
    ts.set(p.timestamps, at);
    vs.set(p.values, at);
    at += p.timestamps.length;
  }
  return { timestamps: ts, values: vs };
}

/** Columns merged one by one before `unionTimestamps` sorts them all at once instead. */
const MERGES_MAX = 8;

/**
 * Every timestamp of any series, sorted and unique (each series' own are: `Points`). A sealed
 * window's shared `t` column, and the rows of an API answer. The series of one host mostly share
 * their timestamps: each column is walked beside the union so far and merged in only when it holds
 * a timestamp the union lacks. Past `MERGES_MAX` such columns (or a column out of order) everything
 * is concatenated, sorted and de-duplicated at once, without a Set or Map per point.
 */
export function unionTimestamps(series: Iterable<Points>): Float64Array {
  const parts = [...series];
  let union: Float64Array = new Float64Array(0);
  let merges = 0;
  for (const points of parts) {
    const next = mergedTimestamps(union, points.timestamps);
    if (next === union) continue;
    if (next === undefined || ++merges > MERGES_MAX) return sortedUnion(parts);
    union = next;
  }
  return union;
}

/**
 * `union` itself when every timestamp of `column` is in it, else the two merged (both sorted and
 * unique); undefined when `column` is not sorted and unique.
 */
function mergedTimestamps(union: Float64Array, column: Float64Array): Float64Array | undefined {
  let i = 0;
  let j = 0;
  // Walk while the column's timestamps are found in the union (the usual case: all of them).
  for (; j < column.length; j++) {
    const t = column[j] as number;
    if (j > 0 && !(t > (column[j - 1] as number))) return undefined;
    while (i < union.length && (union[i] as number) < t) i++;
    if (i === union.length || union[i] !== t) break;
    i++;
  }
  if (j === column.length) return union;
  const out = new Float64Array(union.length + column.length);
  let n = 0;
  i = 0;
  j = 0;
  while (i < union.length || j < column.length) {
    const a = i < union.length ? (union[i] as number) : Number.POSITIVE_INFINITY;
    const b = j < column.length ? (column[j] as number) : Number.POSITIVE_INFINITY;
    if (j > 0 && j < column.length && !(b > (column[j - 1] as number))) return undefined;
    if (a <= b) {
      out[n++] = a;
      i++;
      if (a === b) j++;
    } else {
      out[n++] = b;
      j++;
    }
  }
  return out.subarray(0, n);
}

/** Every column concatenated, sorted and de-duplicated. */
function sortedUnion(parts: readonly Points[]): Float64Array {
  let total = 0;
  for (const points of parts) total += points.timestamps.length;
  const all = new Float64Array(total);
  let at = 0;
  for (const points of parts) {
    all.set(points.timestamps, at);
    at += points.timestamps.length;
  }
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (n === 0 || all[i] !== all[n - 1]) all[n++] = all[i] as number;
  return all.subarray(0, n);
}
