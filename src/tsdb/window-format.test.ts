import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeRollup } from './window-format.ts';

/**
 * The rollup as first written (an object per bucket, arrays grown by push): `computeRollup` fills its
 * columns in place and must give the same bits for any points, sorted or not.
 */
function reference(
  timestamps: readonly number[],
  values: readonly number[],
  origin: number,
  step: number,
  slots: number,
) {
  const pow10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6];
  const decimalsOf = (v: number) => {
    if (!Number.isFinite(v) || Object.is(v, -0)) return -1;
    for (let k = 0; k < pow10.length; k++) {
      const scaled = Math.round(v * (pow10[k] as number));
      if (scaled / (pow10[k] as number) === v) return Math.abs(scaled) < 2 ** 50 ? k : -1;
    }
    return -1;
  };
  class Sum {
    scale = 0;
    ints = 0;
    float: number | undefined;
    add(v: number) {
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
        this.ints *= pow10[k - this.scale] as number;
        this.scale = k;
      }
      this.ints += Math.round(v * (pow10[this.scale] as number));
      if (Math.abs(this.ints) >= 2 ** 50) this.float = this.value();
    }
    value() {
      return this.float ?? this.ints / (pow10[this.scale] as number);
    }
  }
  const cols = {
    starts: [] as number[],
    min: [] as number[],
    max: [] as number[],
    sums: [] as Sum[],
    count: [] as number[],
    last: [] as number[],
  };
  let current = -1;
  timestamps.forEach((t, i) => {
    const v = values[i] as number;
    if (Number.isNaN(v)) return;
    const slot = Math.floor((t - origin) / step);
    if (slot < 0 || slot >= slots) return;
    if (slot !== current) {
      current = slot;
      const sum = new Sum();
      sum.add(v);
      cols.starts.push(origin + slot * step);
      cols.min.push(v);
      cols.max.push(v);
      cols.sums.push(sum);
      cols.count.push(1);
      cols.last.push(v);
      return;
    }
    const k = cols.starts.length - 1;
    cols.min[k] = Math.min(cols.min[k] as number, v);
    cols.max[k] = Math.max(cols.max[k] as number, v);
    cols.sums[k]?.add(v);
    cols.count[k] = (cols.count[k] as number) + 1;
    cols.last[k] = v;
  });
  const bits = (xs: readonly number[]) => Array.from(new BigUint64Array(Float64Array.from(xs).buffer));
  return {
    starts: bits(cols.starts),
    min: bits(cols.min),
    max: bits(cols.max),
    sum: bits(cols.sums.map((s) => s.value())),
    count: bits(cols.count),
    last: bits(cols.last),
  };
}

const bitsOf = (xs: Float64Array) => Array.from(new BigUint64Array(Float64Array.from(xs).buffer));

const value = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }).map((i) => i / 100),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.double({ noDefaultInfinity: false }),
  fc.constantFrom(Number.NaN, -0, 0.1, 0.2, 2 ** 49, -(2 ** 49), 1e-9),
);

describe('computeRollup', () => {
  it('does give the bits of the per-bucket rollup for sorted and unsorted points', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -20, max: 140 }), value), { maxLength: 200 }),
        fc.boolean(),
        fc.constantFrom(1, 7, 60),
        (pairs, sorted, step) => {
          const rows = sorted ? [...pairs].sort((a, b) => a[0] - b[0]) : pairs;
          const ts = rows.map(([t]) => t);
          const vs = rows.map(([, v]) => v);
          const slots = Math.ceil(120 / step);
          const got = computeRollup(
            { timestamps: Float64Array.from(ts), values: Float64Array.from(vs) },
            0,
            step,
            slots,
          );
          const want = reference(ts, vs, 0, step, slots);
          for (const name of ['starts', 'min', 'max', 'sum', 'count', 'last'] as const)
            expect(bitsOf(got[name]), name).toEqual(want[name]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('does keep more buckets than slots when unsorted points go back and forth between them', () => {
    const timestamps = Float64Array.from({ length: 40 }, (_, i) => (i % 2) * 60);
    const got = computeRollup({ timestamps, values: new Float64Array(40).fill(0.1) }, 0, 60, 2);
    expect(got.starts.length).toBe(40);
    expect(Array.from(got.sum)).toEqual(new Array(40).fill(0.1));
  });

  it('does sum short decimals exactly and in any order', () => {
    const got = computeRollup(
      { timestamps: Float64Array.of(0, 1, 2), values: Float64Array.of(0.1, 0.2, 0.3) },
      0,
      60,
      1,
    );
    expect(Array.from(got.sum)).toEqual([0.6]);
  });
});
