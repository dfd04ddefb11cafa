import { describe, expect, it } from 'vitest';
import { ByteReader } from '../codec/bytes.ts';
import { encodeValues } from '../codec/index.ts';
import {
  computeRollup,
  decodeHourlyField,
  decodeRollupBlock,
  encodeHourlyField,
  encodeRollupBlock,
  LEAN_COLUMNS,
  type Rollup,
  refersToShared,
  sharedCounts,
} from '../window-format.ts';
import { columnsFor, readHourlyField, readRollupBlock } from './rollup-columns.ts';
import { makePoints } from './test-support.ts';

const WS = Date.UTC(2025, 0, 10);
const ALL = new Set(['min', 'max', 'sum', 'count', 'last'] as const);
const rollupOf = (seed: number) =>
  computeRollup(
    makePoints(WS + 1000 * seed, 1000, 7000, (i) => (i % 50 === 3 ? Number.NaN : Math.sin(i + seed) * 40)),
    WS,
    60_000,
    120,
  );
const plain = (r: Rollup | undefined) =>
  Object.fromEntries(Object.entries(r ?? {}).map(([k, v]) => [k, Array.from(v as Float64Array)]));

describe('readRollupBlock', () => {
  it('does decode what decodeRollupBlock decodes when every column is asked for', () => {
    const block = encodeRollupBlock(rollupOf(1), WS, 60_000, 120).finish();
    const want = decodeRollupBlock(new ByteReader(block), WS, 60_000, 120);
    expect(plain(readRollupBlock(new ByteReader(block), WS, 60_000, 120, ALL))).toEqual(plain(want));
  });

  it('does decode only the columns a function needs and leave the reader after the block', () => {
    const block = encodeRollupBlock(rollupOf(2), WS, 60_000, 120).finish();
    const input = new ByteReader(block);
    const got = readRollupBlock(input, WS, 60_000, 120, columnsFor('avg'));
    expect([
      got.sum.length > 0,
      got.count.length > 0,
      got.min.length,
      got.max.length,
      got.last.length,
    ]).toEqual([true, true, 0, 0, 0]);
    expect(input.offset).toBe(block.length);
  });
});

/** A counter: max = last in every bucket. */
const counter = computeRollup(
  makePoints(WS, 7200, 1000, (i) => i * 3),
  WS,
  60_000,
  120,
);

describe('rollup columns stored as references', () => {
  // The counter, and a series constant within each minute (min = max = last).
  const steps = computeRollup(
    makePoints(WS, 7200, 1000, (i) => Math.floor(i / 60) * 1.5),
    WS,
    60_000,
    120,
  );

  it('does store a column equal to an earlier one as one byte and decode it to the same values', () => {
    for (const [rollup, refs] of [
      [counter, 1],
      [steps, 2],
    ] as const) {
      const block = encodeRollupBlock(rollup, WS, 60_000, 120).finish();
      const plainBlock = encodeRollupBlock(
        { ...rollup, last: rollup.last.map((v) => v + 0.5) },
        WS,
        60_000,
        120,
      );
      expect(block.length).toBeLessThan(plainBlock.length);
      const want = plain(rollup);
      expect(plain(decodeRollupBlock(new ByteReader(block), WS, 60_000, 120))).toEqual(want);
      expect(plain(readRollupBlock(new ByteReader(block), WS, 60_000, 120, ALL))).toEqual(want);
      // Asked alone, a reference decodes the column it refers to, which is not asked for.
      const last = readRollupBlock(new ByteReader(block), WS, 60_000, 120, new Set(['last'] as const));
      expect(Array.from(last.last)).toEqual(Array.from(rollup.last));
      expect(last.max.length).toBe(0);
      const ones = [...block].filter((_, i) => block[i - 1] === 1 && (block[i] as number) % 8 === 7);
      expect(ones.length).toBeGreaterThanOrEqual(refs);
    }
  });

  it('does keep -0 and 0 apart: a column is a reference only when every bit is equal', () => {
    const zeros = computeRollup(
      makePoints(WS, 120, 60_000, () => 0),
      WS,
      60_000,
      120,
    );
    const signed = { ...zeros, last: zeros.last.map((_, i) => (i === 5 ? -0 : 0)) };
    const block = encodeRollupBlock(signed, WS, 60_000, 120).finish();
    const back = decodeRollupBlock(new ByteReader(block), WS, 60_000, 120);
    expect(Object.is(back.last[5], -0)).toBe(true);
    expect(Object.is(back.max[5], 0)).toBe(true);
  });

  it('does refuse a reference to a column that does not come before it', () => {
    const block = encodeRollupBlock(counter, WS, 60_000, 120).finish();
    const input = new ByteReader(block);
    const mask = input.readBytes(input.readVarint());
    const forged = Buffer.concat([Buffer.from([mask.length]), mask, Buffer.from([1, 7 | (3 << 3)])]);
    expect(() => decodeRollupBlock(new ByteReader(forged), WS, 60_000, 120)).toThrow(/refers to column 3/);
    expect(() => readRollupBlock(new ByteReader(forged), WS, 60_000, 120, ALL)).toThrow(/refers to column 3/);
  });
});

describe('shared counts', () => {
  // Two series scraped together, with jitter (58–62 points a minute); the second misses some scrapes.
  const times = Array.from({ length: 7000 }, (_, i) => WS + i * 1000 + ((i * 7919) % 13) * 37);
  const shared = sharedCounts(Float64Array.from(times), WS, 60_000, 120);
  const full = computeRollup(
    { timestamps: Float64Array.from(times), values: Float64Array.from(times, (t) => Math.sin(t)) },
    WS,
    60_000,
    120,
  );
  const some = times.filter((_, i) => i % 9 !== 4);
  const partial = computeRollup(
    { timestamps: Float64Array.from(some), values: Float64Array.from(some, (t) => Math.cos(t)) },
    WS,
    60_000,
    120,
  );

  it('does refer to the shared counts only when they are the count column, and decode it back', () => {
    const block = encodeRollupBlock(full, WS, 60_000, 120, undefined, shared).finish();
    expect(refersToShared(block)).toBe(true);
    expect(block.length).toBeLessThan(encodeRollupBlock(full, WS, 60_000, 120).finish().length);
    const want = plain(full);
    expect(plain(decodeRollupBlock(new ByteReader(block), WS, 60_000, 120, shared))).toEqual(want);
    const read = readRollupBlock(
      new ByteReader(block),
      WS,
      60_000,
      120,
      columnsFor('avg'),
      undefined,
      shared,
    );
    expect(Array.from(read.count)).toEqual(Array.from(full.count));
    const other = encodeRollupBlock(partial, WS, 60_000, 120, undefined, shared).finish();
    expect(refersToShared(other)).toBe(false);
    expect(plain(decodeRollupBlock(new ByteReader(other), WS, 60_000, 120, shared))).toEqual(plain(partial));
  });

  it('does refuse a block that refers to shared counts it was not given, unless its count is not asked for', () => {
    const block = encodeRollupBlock(full, WS, 60_000, 120, undefined, shared).finish();
    expect(() => decodeRollupBlock(new ByteReader(block), WS, 60_000, 120)).toThrow(/shared counts/);
    expect(() => readRollupBlock(new ByteReader(block), WS, 60_000, 120, columnsFor('avg'))).toThrow(
      /shared counts/,
    );
    const max = readRollupBlock(new ByteReader(block), WS, 60_000, 120, columnsFor('max'));
    expect(Array.from(max.max)).toEqual(Array.from(full.max));
  });
});

describe('lean blocks (format 5)', () => {
  // The counter's max would refer to its last; in a lean block neither is stored.

  it('does store sum and count alone, read them back as a whole block has them, and refuse the others', () => {
    for (const rollup of [rollupOf(1), counter]) {
      const whole = encodeRollupBlock(rollup, WS, 60_000, 120).finish();
      const lean = encodeRollupBlock(rollup, WS, 60_000, 120, undefined, undefined, true).finish();
      expect(lean.length).toBeLessThan(whole.length);
      const fromLean = readRollupBlock(new ByteReader(lean), WS, 60_000, 120, LEAN_COLUMNS);
      const fromWhole = readRollupBlock(new ByteReader(whole), WS, 60_000, 120, LEAN_COLUMNS);
      expect(plain(fromLean)).toEqual(plain(fromWhole));
      expect(plain(fromLean).sum).toEqual(Array.from(rollup.sum));
      for (const column of ['min', 'max', 'last'] as const) {
        expect(() => readRollupBlock(new ByteReader(lean), WS, 60_000, 120, new Set([column]))).toThrow(
          new RegExp(`${column} is not stored`),
        );
      }
      expect(() => decodeRollupBlock(new ByteReader(lean), WS, 60_000, 120)).toThrow(/not stored/);
    }
  });

  it('does refuse a count column that is not stored, and a reference to a column that is not', () => {
    const input = new ByteReader(encodeRollupBlock(counter, WS, 60_000, 120).finish());
    const mask = input.readBytes(input.readVarint());
    const notStored = [0];
    const sum = encodeValues(counter.sum);
    const head = [Buffer.from([mask.length]), mask];
    const noCount = Buffer.concat([
      ...head,
      Buffer.from([...notStored, ...notStored]),
      Buffer.from([sum.length]),
      sum,
      Buffer.from(notStored),
      Buffer.from(notStored),
    ]);
    expect(() => readRollupBlock(new ByteReader(noCount), WS, 60_000, 120, new Set(['sum']))).toThrow(
      /does not store its count column/,
    );
    const toAbsent = Buffer.concat([...head, Buffer.from([...notStored, 1, 7 | (0 << 3)])]);
    expect(() => readRollupBlock(new ByteReader(toAbsent), WS, 60_000, 120, new Set(['sum']))).toThrow(
      /column 1 refers to column 0/,
    );
  });
});

describe('readHourlyField', () => {
  it('does decode the asked series as decodeHourlyField does and skip the others', () => {
    const hourly = new Map(
      [1, 2, 3].map((id) => [
        id,
        computeRollup(
          makePoints(WS, 1440, 5000, (i) => i * id),
          WS,
          3_600_000,
          2,
        ),
      ]),
    );
    const field = encodeHourlyField(hourly, WS, 3_600_000, 2);
    const got = readHourlyField(field, WS, 3_600_000, 2, new Set([2]), ALL);
    expect([...got.keys()]).toEqual([2]);
    expect(plain(got.get(2))).toEqual(plain(decodeHourlyField(field, WS, 3_600_000, 2).get(2)));
  });
});
