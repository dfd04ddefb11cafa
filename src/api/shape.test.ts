import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromNumber } from '../contract/index.ts';
import type { Points } from '../tsdb/index.ts';
import { fieldOf, toColumns, toRows } from './shape.ts';

/** Sorted, unique timestamps with values (NaN and infinities among them), as every Points is. */
const points = fc.uniqueArray(fc.integer({ min: 0, max: 200 }), { maxLength: 40 }).chain((ts) =>
  fc
    .array(fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY)), {
      minLength: ts.length,
      maxLength: ts.length,
    })
    .map((vs): Points => {
      const order = [...ts].sort((a, b) => a - b);
      return { timestamps: Float64Array.from(order), values: Float64Array.from(vs) };
    }),
);
const seriesMap = fc
  .uniqueArray(fc.constantFrom('cpu.usage', 'mem.used_pct', 'a{x="1"}', 'b'), { minLength: 1, maxLength: 4 })
  .chain((keys) =>
    fc.tuple(...keys.map(() => points)).map((ps) => new Map(keys.map((k, i) => [k, ps[i] as Points]))),
  );

describe('toRows / toColumns', () => {
  it('does give every point of every series once, at its timestamp, oldest first', () => {
    fc.assert(
      fc.property(seriesMap, (series) => {
        const expected = new Map<number, Record<string, unknown>>();
        for (const [key, p] of series) {
          p.timestamps.forEach((t, i) => {
            const row = expected.get(t) ?? { timestamp: t };
            row[fieldOf(key)] = fromNumber(p.values[i] as number);
            expected.set(t, row);
          });
        }
        const order = [...expected.keys()].sort((a, b) => a - b);
        expect(toRows(series)).toEqual(order.map((t) => expected.get(t)));
        const columns = toColumns(series);
        expect(columns.timestamps).toEqual(order);
        for (const key of series.keys()) {
          expect(columns.values[fieldOf(key)]).toEqual(
            order.map((t) => expected.get(t)?.[fieldOf(key)] ?? null),
          );
        }
      }),
    );
  });
});
