import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Rollup } from '../window-format.ts';
import { BucketFold } from './buckets.ts';
import type { RollupColumn } from './rollup-columns.ts';

const MINUTE = 60_000;
const ORIGIN = Date.UTC(2025, 0, 10);
const COLUMNS: readonly RollupColumn[] = ['min', 'max', 'sum', 'count', 'last'];

/** The fold as its contract says, partial by partial: a bucket's first partial as is, then each next one onto it. */
function reference(step: number, from: number, to: number, parts: Rollup[], fn: RollupColumn | 'avg') {
  const cols = new Map<number, Record<RollupColumn, number>>();
  for (const r of parts) {
    r.starts.forEach((s, i) => {
      if (s < from || s > to) return;
      const b = from + Math.floor((s - from) / step) * step;
      const v = Object.fromEntries(COLUMNS.map((c) => [c, r[c][i] as number])) as Record<
        RollupColumn,
        number
      >;
      const got = cols.get(b);
      if (!got) cols.set(b, v);
      else
        cols.set(b, {
          min: Math.min(got.min, v.min),
          max: Math.max(got.max, v.max),
          sum: got.sum + v.sum,
          count: got.count + v.count,
          last: v.last,
        });
    });
  }
  const keys = [...cols.keys()].sort((a, b) => a - b);
  return {
    timestamps: keys,
    values: keys.map((b) => {
      const c = cols.get(b) as Record<RollupColumn, number>;
      return fn === 'avg' ? c.sum / c.count : c[fn];
    }),
  };
}

function slice(r: Rollup, a: number, b: number): Rollup {
  return {
    starts: r.starts.slice(a, b),
    min: r.min.slice(a, b),
    max: r.max.slice(a, b),
    sum: r.sum.slice(a, b),
    count: r.count.slice(a, b),
    last: r.last.slice(a, b),
  };
}

describe('BucketFold', () => {
  it('gives the partial-by-partial answer bit for bit, however the partials are split into rollups', () => {
    const value = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constant(-0),
      fc.integer(),
    );
    // Slots anywhere, or a full run of them (a whole window's 1-minute blocks: the fold's arithmetic path).
    const slotsArb = fc.oneof(
      fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 120 }),
      fc
        .tuple(fc.integer({ min: 0, max: 280 }), fc.integer({ min: 0, max: 120 }))
        .map(([first, n]) => Array.from({ length: n }, (_, i) => first + i)),
    );
    const arb = fc.record({
      slots: slotsArb,
      values: fc.array(fc.tuple(value, value, value, fc.integer({ min: 1, max: 20 }), value), {
        minLength: 120,
        maxLength: 120,
      }),
      stepMinutes: fc.integer({ min: 1, max: 90 }),
      range: fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 400 })),
      cuts: fc.uniqueArray(fc.integer({ min: 1, max: 119 }), { maxLength: 6 }),
      fn: fc.constantFrom<RollupColumn | 'avg'>('avg', 'min', 'max', 'sum', 'count', 'last'),
    });
    fc.assert(
      fc.property(arb, ({ slots, values, stepMinutes, range, cuts, fn }) => {
        const sorted = [...slots].sort((a, b) => a - b);
        const at = (i: number) => values[i] as [number, number, number, number, number];
        const whole: Rollup = {
          starts: Float64Array.from(sorted, (m) => ORIGIN + m * MINUTE),
          min: Float64Array.from(sorted, (_, i) => at(i)[0]),
          max: Float64Array.from(sorted, (_, i) => at(i)[1]),
          sum: Float64Array.from(sorted, (_, i) => at(i)[2]),
          count: Float64Array.from(sorted, (_, i) => at(i)[3]),
          last: Float64Array.from(sorted, (_, i) => at(i)[4]),
        };
        const step = stepMinutes * MINUTE;
        const lo = Math.min(...range);
        const hi = Math.max(...range);
        const from = Math.floor((ORIGIN + lo * MINUTE) / step) * step;
        const to = Math.floor((ORIGIN + hi * MINUTE) / step) * step + step - 1;
        const bounds = [
          0,
          ...[...cuts].sort((a, b) => a - b).filter((c) => c < sorted.length),
          sorted.length,
        ];
        const parts = bounds.slice(1).map((b, i) => slice(whole, bounds[i] as number, b));
        const expected = reference(step, from, to, [whole], fn);
        // With the width, runs of evenly spaced partials are found by arithmetic: the same answer.
        for (const feed of [[whole], parts])
          for (const width of [undefined, MINUTE]) {
            const fold = new BucketFold(step, from, to, new Set(fn === 'avg' ? ['sum', 'count'] : [fn]));
            for (const r of feed) fold.add(r, width);
            const got = fold.result(fn);
            expect(Array.from(got.timestamps)).toEqual(expected.timestamps);
            // toEqual tells -0 from 0 and compares NaN as equal: bit for bit here.
            expect(Array.from(got.values)).toEqual(expected.values);
          }
      }),
      { numRuns: 600 },
    );
  });
});
