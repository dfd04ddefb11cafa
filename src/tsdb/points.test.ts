import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unionTimestamps } from './points.ts';

/** What the union must be: every timestamp once, ascending. */
function reference(columns: readonly number[][]): number[] {
  return [...new Set(columns.flat())].sort((a, b) => a - b);
}

const points = (timestamps: readonly number[]) => ({
  timestamps: Float64Array.from(timestamps),
  values: new Float64Array(timestamps.length),
});

/** A sorted, de-duplicated column of timestamps. */
const column = fc
  .uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 60 })
  .map((ts) => ts.sort((a, b) => a - b));

describe('unionTimestamps', () => {
  it('does give every timestamp of any series once, sorted, however the series overlap', () => {
    fc.assert(
      fc.property(
        fc.array(column, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (columns, copies) => {
          // Series of one host mostly share their timestamps: repeat some columns as they are.
          const all = [
            ...columns,
            ...copies.flatMap((k) => (columns.length ? [columns[k % columns.length] ?? []] : [])),
          ];
          expect(Array.from(unionTimestamps(all.map(points)))).toEqual(reference(all));
        },
      ),
    );
  });

  it('does take the shared column of series with the same timestamps, and ones holding part of it', () => {
    const shared = [0, 5000, 10_000, 15_000];
    const got = unionTimestamps([points(shared), points(shared), points([5000, 15_000]), points([])]);
    expect(Array.from(got)).toEqual(shared);
  });

  it('does merge columns that add timestamps, past the merges it makes one by one too', () => {
    // Twenty series each a step apart: more merges than the one-by-one path takes.
    const columns = Array.from({ length: 20 }, (_, s) => [s, 100 + s, 200 + s]);
    expect(Array.from(unionTimestamps(columns.map(points)))).toEqual(reference(columns));
    expect(Array.from(unionTimestamps(columns.slice(0, 3).map(points)))).toEqual(
      reference(columns.slice(0, 3)),
    );
  });

  it('does still sort a column that came out of order or repeats a timestamp', () => {
    const columns = [
      [1, 2, 3],
      [3, 1],
      [2, 2, 4],
    ];
    expect(Array.from(unionTimestamps(columns.map(points)))).toEqual([1, 2, 3, 4]);
    expect(Array.from(unionTimestamps([points([5, 1])]))).toEqual([1, 5]);
  });
});
