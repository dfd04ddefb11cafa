import { ByteReader, ByteWriter } from './codec/bytes.ts';
import {
  decodePresence,
  decodeTimestamps,
  decodeValues,
  encodePresence,
  encodeTimestamps,
  encodeValues,
} from './codec/index.ts';
import type { Points } from './points.ts';

/**
 * Field formats of a sealed window HASH (`Keys.window`):
 *   `t`       encodeTimestamps(every timestamp any series of the host has in the window)
 *   `r:<id>`  varint len · encodePresence(mask over `t`) · encodeValues(values at the present positions)
 *   `m:<id>`  a rollup block of the series at 1-minute buckets (see below)
 *   `R:<g>`, `M:<g>`  packs of the raw columns and rollup blocks of at most 128 bytes of series
 *             16g…16g+15 (column-packs.ts), instead of their own fields
 * and of an hourly HASH field (`Keys.hourly`): varint n · n × (varint id · rollup block at 1 hour).
 *
 * A rollup block covers `slots` buckets from the window start: varint len · encodePresence(mask over
 * slots) · five value columns (varint len · encodeValues) for min, max, sum, count and last of the
 * buckets present. NaN samples are left out of rollups; a bucket with no other sample is absent.
 */

export function encodeRawColumn(windowTimestamps: Float64Array, points: Points): Uint8Array {
  const present = new Uint8Array(windowTimestamps.length);
  let j = 0;
  for (let i = 0; i < windowTimestamps.length && j < points.timestamps.length; i++) {
    if (windowTimestamps[i] === points.timestamps[j]) {
      present[i] = 1;
      j++;
    }
  }
  const out = new ByteWriter(64 + points.values.length);
  const mask = encodePresence(present);
  out.writeVarint(mask.length);
  out.writeBytes(mask);
  out.writeBytes(encodeValues(points.values));
  return out.finish();
}

export function decodeRawColumn(windowTimestamps: Float64Array, column: Uint8Array): Points {
  const input = new ByteReader(column);
  const mask = decodePresence(input.readBytes(input.readVarint()), windowTimestamps.length);
  const values = decodeValues(column.subarray(input.offset));
  if (values.length === windowTimestamps.length) return { timestamps: windowTimestamps, values };
  const timestamps = new Float64Array(values.length);
  let j = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1) timestamps[j++] = windowTimestamps[i] as number;
  return { timestamps, values };
}

export { decodeTimestamps as decodeWindowTimestamps, encodeTimestamps as encodeWindowTimestamps };

/** Rollup buckets of one series, in bucket order; `starts` are bucket start times. */
export interface Rollup {
  readonly starts: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly sum: Float64Array;
  readonly count: Float64Array;
  readonly last: Float64Array;
}

const COLUMNS = ['min', 'max', 'sum', 'count', 'last'] as const;

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6];
/** Scaled integers stay below this so a bucket's sum of them is exact. */
const EXACT_LIMIT = 2 ** 50;

/** The fewest decimals (0–6) that write `v` exactly, or -1 (NaN, ±Infinity, -0, more decimals, huge). */
function decimalsOf(v: number): number {
  if (!Number.isFinite(v) || Object.is(v, -0)) return -1;
  for (let k = 0; k < POW10.length; k++) {
    const p = POW10[k] as number;
    const scaled = Math.round(v * p);
    if (scaled / p === v) return Math.abs(scaled) < EXACT_LIMIT ? k : -1;
  }
  return -1;
}

/**
 * The sum of one bucket. While every value is a short decimal (agents send 1–2 decimals), it is summed
 * as scaled integers, so the sum is the exact decimal (0.1 + 0.2 = 0.3, not 0.30000000000000004): it
 * does not depend on the order of addition, and the stored sum column compresses in decimal mode
 * instead of falling back to XOR. Any other value turns the bucket into a plain float sum.
 */
class BucketSum {
  private scale = 0;
  private ints = 0;
  private float: number | undefined;

  constructor(v: number) {
    this.add(v);
  }

  add(v: number): void {
    if (this.float !== undefined) {
      this.float += v;
      return;
    }
    const k = decimalsOf(v);
    if (k < 0) {
      this.float = this.value() + v;
      return;
    }
    if (k > this.scale) {
      this.ints *= POW10[k - this.scale] as number;
      this.scale = k;
    }
    this.ints += Math.round(v * (POW10[this.scale] as number));
    if (Math.abs(this.ints) >= EXACT_LIMIT) this.float = this.value();
  }

  value(): number {
    return this.float ?? this.ints / (POW10[this.scale] as number);
  }
}

/** Buckets `points` (sorted) into `slots` buckets of `stepMs` from `origin`, skipping NaN samples. */
export function computeRollup(points: Points, origin: number, stepMs: number, slots: number): Rollup {
  const cols = {
    starts: [] as number[],
    min: [] as number[],
    max: [] as number[],
    sums: [] as BucketSum[],
    count: [] as number[],
    last: [] as number[],
  };
  let current = -1;
  for (let i = 0; i < points.timestamps.length; i++) {
    const v = points.values[i] as number;
    if (Number.isNaN(v)) continue;
    const slot = Math.floor(((points.timestamps[i] as number) - origin) / stepMs);
    if (slot < 0 || slot >= slots) continue;
    if (slot !== current) {
      current = slot;
      cols.starts.push(origin + slot * stepMs);
      cols.min.push(v);
      cols.max.push(v);
      cols.sums.push(new BucketSum(v));
      cols.count.push(1);
      cols.last.push(v);
      continue;
    }
    const k = cols.starts.length - 1;
    cols.min[k] = Math.min(cols.min[k] as number, v);
    cols.max[k] = Math.max(cols.max[k] as number, v);
    cols.sums[k]?.add(v);
    cols.count[k] = (cols.count[k] as number) + 1;
    cols.last[k] = v;
  }
  return {
    starts: Float64Array.from(cols.starts),
    min: Float64Array.from(cols.min),
    max: Float64Array.from(cols.max),
    sum: Float64Array.from(cols.sums, (b) => b.value()),
    count: Float64Array.from(cols.count),
    last: Float64Array.from(cols.last),
  };
}

export function encodeRollupBlock(
  rollup: Rollup,
  origin: number,
  stepMs: number,
  slots: number,
  out = new ByteWriter(),
): ByteWriter {
  const present = new Uint8Array(slots);
  for (const start of rollup.starts) present[(start - origin) / stepMs] = 1;
  const mask = encodePresence(present);
  out.writeVarint(mask.length);
  out.writeBytes(mask);
  for (const name of COLUMNS) {
    const col = encodeValues(rollup[name]);
    out.writeVarint(col.length);
    out.writeBytes(col);
  }
  return out;
}

export function decodeRollupBlock(input: ByteReader, origin: number, stepMs: number, slots: number): Rollup {
  const mask = decodePresence(input.readBytes(input.readVarint()), slots);
  const starts: number[] = [];
  for (let i = 0; i < slots; i++) if (mask[i] === 1) starts.push(origin + i * stepMs);
  const [min, max, sum, count, last] = COLUMNS.map(() => decodeValues(input.readBytes(input.readVarint())));
  const empty = new Float64Array(0);
  return {
    starts: Float64Array.from(starts),
    min: min ?? empty,
    max: max ?? empty,
    sum: sum ?? empty,
    count: count ?? empty,
    last: last ?? empty,
  };
}

/** An hourly HASH field: the 1-hour rollup blocks of every series of one window. */
export function encodeHourlyField(
  rollups: ReadonlyMap<number, Rollup>,
  origin: number,
  stepMs: number,
  slots: number,
): Uint8Array {
  const out = new ByteWriter();
  out.writeVarint(rollups.size);
  for (const [id, rollup] of rollups) {
    out.writeVarint(id);
    encodeRollupBlock(rollup, origin, stepMs, slots, out);
  }
  return out.finish();
}

export function decodeHourlyField(
  field: Uint8Array,
  origin: number,
  stepMs: number,
  slots: number,
  only?: ReadonlySet<number>,
): Map<number, Rollup> {
  const input = new ByteReader(field);
  const n = input.readVarint();
  const out = new Map<number, Rollup>();
  for (let i = 0; i < n; i++) {
    const id = input.readVarint();
    const rollup = decodeRollupBlock(input, origin, stepMs, slots);
    if (!only || only.has(id)) out.set(id, rollup);
  }
  return out;
}
