import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeGorilla, encodeGorilla } from './gorilla.ts';

const bitsOf = (v: Float64Array): bigint[] =>
  Array.from(new BigUint64Array(v.buffer, v.byteOffset, v.length));

const series = fc
  .uniqueArray(fc.maxSafeNat(), { maxLength: 300, size: 'max' })
  .map((ts) => ts.sort((a, b) => a - b))
  .chain((ts) =>
    fc.tuple(fc.constant(ts), fc.array(fc.double(), { minLength: ts.length, maxLength: ts.length })),
  );

describe('encodeGorilla / decodeGorilla (reference codec)', () => {
  it('does round-trip timestamps and doubles bit for bit', () => {
    fc.assert(
      fc.property(series, ([ts, v]) => {
        const values = Float64Array.from(v);
        const out = decodeGorilla(encodeGorilla(ts, values));
        expect(Array.from(out.timestamps)).toEqual(ts);
        expect(bitsOf(out.values)).toEqual(bitsOf(values));
      }),
    );
  });

  it('does spend about one bit per timestamp and value when both repeat regularly', () => {
    const ts = Array.from({ length: 1000 }, (_, i) => 1_735_689_600_000 + i * 5000);
    const encoded = encodeGorilla(ts, new Float64Array(1000).fill(12.5));
    expect(encoded.length).toBeLessThan(1000 / 4 + 24);
  });

  it('does round-trip delta-of-deltas outside int32 and the paper buckets', () => {
    const ts = [0, 10, 5000, 5001, 2 ** 40, 2 ** 52, Number.MAX_SAFE_INTEGER];
    const out = decodeGorilla(
      encodeGorilla(
        ts,
        Float64Array.from(ts, (t) => t / 3),
      ),
    );
    expect(Array.from(out.timestamps)).toEqual(ts);
  });

  it('does refuse timestamps and values of different lengths', () => {
    expect(() => encodeGorilla([1, 2], Float64Array.of(1))).toThrow(RangeError);
  });
});
