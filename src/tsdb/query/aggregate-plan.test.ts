import { describe, expect, it } from 'vitest';
import { QueryRejectedError } from '../errors.ts';
import { DAY_MS, WINDOW_MS } from '../layout.ts';
import {
  checkBucketCount,
  type IndexSets,
  MAX_BUCKETS,
  planAggregate,
  sealedSource,
} from './aggregate-plan.ts';
import { BucketFold, percentileBuckets, rollRaw } from './buckets.ts';

const D = Date.UTC(2025, 0, 10);
const sets = (s: Partial<Record<keyof IndexSets, number[]>>): IndexSets => ({
  raw: new Set(s.raw),
  minute: new Set(s.minute),
  heads: new Set(s.heads),
  days: new Set(s.days),
});

describe('planAggregate', () => {
  it('does prefer raw when the step is below a minute or the function is a percentile', () => {
    expect(planAggregate(D, D + 1, 10_000, 'avg')).toMatchObject({ preferred: 'raw', baseMs: 10_000 });
    expect(planAggregate(D, D + 1, 3_600_000, 'p99')).toMatchObject({ preferred: 'raw', quantile: 0.99 });
  });

  it('does prefer 1-minute rollups when the step is whole minutes and 1-hour ones when whole hours', () => {
    expect(planAggregate(D, D + 1, 60_000, 'avg')).toMatchObject({ preferred: '1m', baseMs: 60_000 });
    expect(planAggregate(D, D + 1, 5_400_000, 'max')).toMatchObject({ preferred: '1m', baseMs: 60_000 });
    expect(planAggregate(D, D + 1, DAY_MS, 'sum')).toMatchObject({ preferred: '1h', baseMs: 3_600_000 });
  });

  it('does round the step to whole minutes and widen to whole buckets when they are uneven', () => {
    expect(planAggregate(D + 1, D + 100_000, 89_999, 'avg')).toMatchObject({
      stepMs: 60_000,
      from: D,
      to: D + 120_000 - 1,
    });
    expect(planAggregate(D + 1, D + 100_000, 90_000, 'avg')).toMatchObject({
      stepMs: 120_000,
      from: D,
      to: D + 120_000 - 1,
    });
    expect(planAggregate(D + 5, D + 5, 1000, 'avg')).toMatchObject({ from: D, to: D + 999 });
  });

  it('does refuse more than a million buckets with a QueryRejectedError naming the limit', () => {
    expect(() => planAggregate(D, D + MAX_BUCKETS * 1000 - 1, 1000, 'avg')).not.toThrow();
    const tooMany = () => checkBucketCount(D, D + MAX_BUCKETS * 1000, 1000);
    expect(tooMany).toThrow(QueryRejectedError);
    expect(tooMany).toThrow('the range holds 1,000,001 buckets of 1000 ms; at most 1,000,000 per query');
    expect(() => planAggregate(0, D, 60_000, 'max')).toThrow(/buckets of 60000 ms; at most 1,000,000/);
  });
});

describe('sealedSource', () => {
  const plan1m = planAggregate(D, D + DAY_MS, 300_000, 'avg');
  const plan1h = planAggregate(D, D + DAY_MS, 3_600_000, 'avg');
  const planRaw = planAggregate(D, D + DAY_MS, 300_000, 'p95');

  it('does pick the preferred tier when the window holds it', () => {
    const all = sets({ raw: [D], minute: [D], days: [D] });
    expect([
      sealedSource(plan1m, all, D),
      sealedSource(plan1h, all, D),
      sealedSource(planRaw, all, D),
    ]).toEqual(['1m', '1h', 'raw']);
  });

  it('does fall back in tier order when the preferred tier is gone', () => {
    expect(sealedSource(planRaw, sets({ minute: [D], days: [D] }), D)).toBe('1m');
    expect(sealedSource(plan1m, sets({ raw: [D], days: [D] }), D)).toBe('raw');
    expect(sealedSource(plan1h, sets({ raw: [D], minute: [D], days: [D] }), D, '1h')).toBe('1m');
    expect(sealedSource(plan1m, sets({ days: [D] }), D + WINDOW_MS)).toBe('1h');
    expect(sealedSource(plan1m, sets({ heads: [D] }), D)).toBeUndefined();
  });

  it('does read raw when a sealed window also has a head and its raw columns are there', () => {
    expect(sealedSource(plan1h, sets({ raw: [D], minute: [D], days: [D], heads: [D] }), D)).toBe('raw');
    expect(sealedSource(plan1h, sets({ minute: [D], heads: [D] }), D)).toBe('1m');
  });
});

describe('buckets', () => {
  it('does combine partial buckets exactly when they are whole multiples of the step', () => {
    const p = {
      timestamps: Float64Array.of(D, D + 30_000, D + 60_000, D + 90_000, D + 150_000),
      values: Float64Array.of(1, 5, -2, 4, 8),
    };
    const fold = new BucketFold(
      120_000,
      D,
      D + 240_000 - 1,
      new Set(['min', 'max', 'sum', 'count', 'last'] as const),
    );
    fold.add(rollRaw(p, D, D + 240_000 - 1, 60_000));
    const of = (fn: 'avg' | 'min' | 'max' | 'sum' | 'count' | 'last') => Array.from(fold.result(fn).values);
    expect([of('avg'), of('min'), of('max'), of('sum'), of('count'), of('last')]).toEqual([
      [2, 8],
      [-2, 8],
      [5, 8],
      [8, 8],
      [4, 1],
      [4, 8],
    ]);
    expect(Array.from(fold.result('avg').timestamps)).toEqual([D, D + 120_000]);
  });

  it('does pick the nearest-rank value and skip NaN when computing percentiles', () => {
    const p = {
      timestamps: Float64Array.of(D, D + 1, D + 2, D + 3, D + 4),
      values: Float64Array.of(3, Number.NaN, 1, 4, 2),
    };
    expect(Array.from(percentileBuckets(p, 1000, 0.5).values)).toEqual([2]);
    expect(Array.from(percentileBuckets(p, 1000, 0.75).values)).toEqual([3]);
    expect(Array.from(percentileBuckets(p, 1000, 0.99).values)).toEqual([4]);
  });
});
