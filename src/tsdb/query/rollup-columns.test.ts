import { describe, expect, it } from 'vitest';
import { ByteReader } from '../codec/bytes.ts';
import {
  computeRollup,
  decodeHourlyField,
  decodeRollupBlock,
  encodeHourlyField,
  encodeRollupBlock,
  type Rollup,
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
