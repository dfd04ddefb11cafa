import { ByteReader, ByteWriter } from './codec/bytes.ts';
import { CodecError } from './codec/errors.ts';
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
 *             16g…16g+15, and the tails of bigger ones past their own field (column-packs.ts)
 *   `M:c`     the window's shared counts: encodeValues(timestamps of `t` per 1-minute bucket)
 * and of an hourly HASH field (`Keys.hourly`): varint n · n × (varint id · rollup block at 1 hour).
 *
 * A rollup block covers `slots` buckets from the window start: varint len · encodePresence(mask over
 * slots) · five value columns (varint len · encodeValues) for min, max, sum, count and last of the
 * buckets present, each of which may instead be a one-byte reference (`COPY_MODE`, format 4). NaN
 * samples are left out of rollups; a bucket with no other sample is absent.
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

/** Rollup columns being filled (the `Rollup` they become is views of their first buckets). */
type Columns = { -readonly [K in keyof Rollup]: Float64Array<ArrayBuffer> };

const COLUMN_NAMES = ['starts', 'min', 'max', 'sum', 'count', 'last'] as const;

/** Columns for `cap` buckets, views of one buffer: an array buffer each cost more than filling them. */
function columnsFor(cap: number): Columns {
  const buffer = new Float64Array(COLUMN_NAMES.length * cap);
  const view = (k: number) => buffer.subarray(k * cap, (k + 1) * cap);
  return { starts: view(0), min: view(1), max: view(2), sum: view(3), count: view(4), last: view(5) };
}

/** The columns twice as long (buckets of points that were not sorted outnumber the slots). */
function grown(columns: Columns): Columns {
  const next = columnsFor(columns.starts.length * 2);
  for (const name of COLUMN_NAMES) next[name].set(columns[name]);
  return next;
}

/** Stores a closed bucket's figures (a plain function: the loop's locals stay out of a closure). */
function putBucket(
  columns: Columns,
  k: number,
  min: number,
  max: number,
  count: number,
  last: number,
  sum: number,
): void {
  columns.min[k] = min;
  columns.max[k] = max;
  columns.count[k] = count;
  columns.last[k] = last;
  columns.sum[k] = sum;
}

/**
 * Buckets `points` (sorted) into `slots` buckets of `stepMs` from `origin`, skipping NaN samples. The
 * columns are written in place, a bucket at a time (at most `slots` of them for sorted points).
 *
 * A bucket's sum: while every value is a short decimal (agents send 1–2 decimals), it is summed as
 * scaled integers, so the sum is the exact decimal (0.1 + 0.2 = 0.3, not 0.30000000000000004): it
 * does not depend on the order of addition, and the stored sum column compresses in decimal mode
 * instead of falling back to XOR. Any other value turns the bucket into a plain float sum.
 */
export function computeRollup(points: Points, origin: number, stepMs: number, slots: number): Rollup {
  const { timestamps, values } = points;
  const n = timestamps.length;
  let columns = columnsFor(Math.max(1, Math.min(n, slots)));
  let k = -1;
  let current = -1;
  // The open bucket, in locals (stored once it closes).
  let bucketMin = 0;
  let bucketMax = 0;
  let bucketCount = 0;
  let bucketLast = 0;
  // Its sum: scaled integers `ints` at `scale` decimals, or the plain float sum.
  let scale = 0;
  let ints = 0;
  let float = 0;
  let isFloat = false;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    const slot = Math.floor(((timestamps[i] as number) - origin) / stepMs);
    if (slot < 0 || slot >= slots) continue;
    if (slot !== current) {
      if (k >= 0) {
        const sum = isFloat ? float : ints / (POW10[scale] as number);
        putBucket(columns, k, bucketMin, bucketMax, bucketCount, bucketLast, sum);
      }
      current = slot;
      k++;
      if (k === columns.starts.length) columns = grown(columns);
      columns.starts[k] = origin + slot * stepMs;
      bucketMin = v;
      bucketMax = v;
      bucketCount = 1;
      bucketLast = v;
      scale = 0;
      ints = 0;
      isFloat = false;
    } else {
      bucketMin = Math.min(bucketMin, v);
      bucketMax = Math.max(bucketMax, v);
      bucketCount++;
      bucketLast = v;
    }
    if (isFloat) {
      float += v;
      continue;
    }
    const d = decimalsOf(v);
    if (d < 0) {
      float = ints / (POW10[scale] as number) + v;
      isFloat = true;
      continue;
    }
    if (d > scale) {
      ints *= POW10[d - scale] as number;
      scale = d;
    }
    ints += Math.round(v * (POW10[scale] as number));
    if (Math.abs(ints) >= EXACT_LIMIT) {
      float = ints / (POW10[scale] as number);
      isFloat = true;
    }
  }
  if (k >= 0) {
    const sum = isFloat ? float : ints / (POW10[scale] as number);
    putBucket(columns, k, bucketMin, bucketMax, bucketCount, bucketLast, sum);
  }
  const size = k + 1;
  return {
    starts: columns.starts.subarray(0, size),
    min: columns.min.subarray(0, size),
    max: columns.max.subarray(0, size),
    sum: columns.sum.subarray(0, size),
    count: columns.count.subarray(0, size),
    last: columns.last.subarray(0, size),
  };
}

/**
 * A rollup column bitwise equal to an earlier column of its block is stored as a reference to it: its
 * length prefix 1 and the byte `7 | j << 3`, j the earlier column's index in `COLUMNS` (value mode 7,
 * which no value column uses, so readers before format 4 refuse it). A counter's max is its last
 * value in every bucket, and a series constant within each minute has min = max = last.
 *
 * The count column of a 1-minute block may instead refer to the window's shared counts (j = 7,
 * `SHARED_COUNTS`): the number of the window's timestamps in each bucket (`sharedCounts`), stored once
 * in the window's `M:c` field. The series of one host are scraped together, so their counts are the
 * scrape jitter of the host, the same in every series present at every scrape.
 *
 * On the node_exporter capture the references to earlier columns took the stored bytes from 0.639 to
 * 0.618 a sample, the shared counts to 0.606 (docs/storage.md, "Where the bytes go").
 */
const COPY_MODE = 7;
/** `j` of a reference to the window's shared counts. */
export const SHARED_COUNTS = 7;
/**
 * A column that is not stored (format 5), written as its length prefix 0: a lean 1-minute block,
 * written while its window keeps its raw columns, holds only sum and count; min, max and last are read
 * from raw by readers that need them, and the block is written whole when raw expires
 * (docs/storage.md). The value is `blockColumns`' marker for it, not a byte of the format.
 */
export const NOT_STORED = 6;
/** The columns a lean block stores (`encodeRollupBlock` with `lean`). */
export const LEAN_COLUMNS: ReadonlySet<(typeof COLUMNS)[number]> = new Set(['sum', 'count']);
const COUNT_COLUMN = COLUMNS.indexOf('count');
/** At most what a constant count column takes (mode 5: header, count, the value's varint). */
const CONSTANT_BYTES = 4;
/** The window HASH field of the shared counts; `M:` so that it goes with the 1-minute tier. */
export const SHARED_COUNTS_FIELD = 'M:c';

/** The column a rollup column's bytes refer to (`COPY_MODE`), or -1 when they are a value column. */
function copiedColumn(bytes: Uint8Array): number {
  return bytes.length === 1 && ((bytes[0] as number) & 7) === COPY_MODE ? (bytes[0] as number) >> 3 : -1;
}

/** How many of `timestamps` (a window's, sorted) fall in each of `slots` buckets of `stepMs` from `origin`. */
export function sharedCounts(
  timestamps: Float64Array,
  origin: number,
  stepMs: number,
  slots: number,
): Float64Array {
  const counts = new Float64Array(slots);
  for (const t of timestamps) {
    const k = Math.floor((t - origin) / stepMs);
    if (k >= 0 && k < slots) counts[k] = (counts[k] as number) + 1;
  }
  return counts;
}

/** Whether a block's count column is the shared counts at its buckets. */
function countsShared(rollup: Rollup, origin: number, stepMs: number, shared: Float64Array): boolean {
  for (let i = 0; i < rollup.starts.length; i++) {
    if (rollup.count[i] !== shared[((rollup.starts[i] as number) - origin) / stepMs]) return false;
  }
  return true;
}

/** The count column of a block that refers to the shared counts (`into`: where to write it). */
export function countsFromShared(
  starts: Float64Array,
  origin: number,
  stepMs: number,
  shared: Float64Array | undefined,
  into: Float64Array,
): Float64Array {
  if (!shared) throw new CodecError("a rollup block refers to its window's shared counts, which are missing");
  for (let i = 0; i < starts.length; i++) {
    const count = shared[((starts[i] as number) - origin) / stepMs];
    if (count === undefined) throw new CodecError('shared counts shorter than the window');
    into[i] = count;
  }
  return into;
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x === y ? x === 0 && !Object.is(x, y) : !(Number.isNaN(x) && Number.isNaN(y) && sameNaN(x, y)))
      return false;
  }
  return true;
}

const NAN_BITS = new Float64Array(2);
const NAN_WORDS = new Uint32Array(NAN_BITS.buffer);

function sameNaN(x: number, y: number): boolean {
  NAN_BITS[0] = x;
  NAN_BITS[1] = y;
  return NAN_WORDS[0] === NAN_WORDS[2] && NAN_WORDS[1] === NAN_WORDS[3];
}

/**
 * A rollup block: presence mask of its buckets, then the five columns. With `shared` (the window's
 * shared counts), a count column equal to them is written as a reference.
 */
export function encodeRollupBlock(
  rollup: Rollup,
  origin: number,
  stepMs: number,
  slots: number,
  out = new ByteWriter(),
  shared?: Float64Array,
  lean = false,
): ByteWriter {
  const present = new Uint8Array(slots);
  for (const start of rollup.starts) present[(start - origin) / stepMs] = 1;
  const mask = encodePresence(present);
  out.writeVarint(mask.length);
  out.writeBytes(mask);
  const stored = (name: (typeof COLUMNS)[number]) => !lean || LEAN_COLUMNS.has(name);
  COLUMNS.forEach((name, i) => {
    if (!stored(name)) {
      out.writeVarint(0);
      return;
    }
    const earlier = COLUMNS.findIndex(
      (other, j) => j < i && stored(other) && sameBits(rollup[other], rollup[name]),
    );
    const col = earlier < 0 ? encodeValues(rollup[name]) : undefined;
    // Counts that are one constant cost a few bytes of their own and nothing to decode: the shared
    // counts are for counts that vary (a 1 s scrape gives 59, 60 or 61 points a minute).
    const ref =
      earlier >= 0
        ? earlier
        : i === COUNT_COLUMN &&
            shared &&
            (col?.length ?? 0) > CONSTANT_BYTES &&
            countsShared(rollup, origin, stepMs, shared)
          ? SHARED_COUNTS
          : -1;
    if (ref >= 0 || !col) {
      out.writeVarint(1);
      out.writeByte(COPY_MODE | (ref << 3));
      return;
    }
    out.writeVarint(col.length);
    out.writeBytes(col);
  });
  return out;
}

/** Whether a block written by `encodeRollupBlock` refers to the window's shared counts. */
export function refersToShared(block: Uint8Array): boolean {
  const input = new ByteReader(block);
  input.skip(input.readVarint());
  return blockColumns(input).includes(SHARED_COUNTS);
}

/**
 * A block's column read by `blockColumns`: the bytes of a value column, the window's shared counts, or
 * `NOT_STORED` (a lean block's min, max and last).
 */
export type BlockColumn = Uint8Array | typeof SHARED_COUNTS | typeof NOT_STORED;

/**
 * The five value columns of a rollup block after its presence mask, each resolved to the bytes of the
 * value column it is (a reference gives the bytes it refers to), or `SHARED_COUNTS`. Throws
 * CodecError on a reference to a column that does not come before it.
 */
export function blockColumns(input: ByteReader): BlockColumn[] {
  const out: BlockColumn[] = [];
  for (let i = 0; i < COLUMNS.length; i++) {
    const bytes = input.readBytes(input.readVarint());
    const j = copiedColumn(bytes);
    if (bytes.length === 0) {
      if (i === COUNT_COLUMN) throw new CodecError('a rollup block does not store its count column');
      out.push(NOT_STORED);
    } else if (j < 0) out.push(bytes);
    else if (j < i && out[j] !== NOT_STORED) out.push(out[j] as BlockColumn);
    else if (j === SHARED_COUNTS && i === COUNT_COLUMN) out.push(SHARED_COUNTS);
    else throw new CodecError(`rollup column ${i} refers to column ${j}, which does not come before it`);
  }
  return out;
}

/** The error of a read that asks a lean block for a column it does not store. */
export function notStored(column: number): CodecError {
  return new CodecError(
    `rollup column ${COLUMNS[column] ?? column} is not stored in this block (a lean 1-minute block: its window's raw columns hold it)`,
  );
}

export function decodeRollupBlock(
  input: ByteReader,
  origin: number,
  stepMs: number,
  slots: number,
  shared?: Float64Array,
): Rollup {
  const mask = decodePresence(input.readBytes(input.readVarint()), slots);
  const starts: number[] = [];
  for (let i = 0; i < slots; i++) if (mask[i] === 1) starts.push(origin + i * stepMs);
  const startsColumn = Float64Array.from(starts);
  const [min, max, sum, count, last] = blockColumns(input).map((column, i) => {
    if (column === NOT_STORED) throw notStored(i);
    return column === SHARED_COUNTS
      ? countsFromShared(startsColumn, origin, stepMs, shared, new Float64Array(starts.length))
      : decodeValues(column);
  }) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  return { starts: startsColumn, min, max, sum, count, last };
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
