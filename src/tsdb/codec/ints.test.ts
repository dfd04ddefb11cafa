import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter } from './bytes.ts';
import { encodeInts, INT_LIMIT } from './ints.ts';
import { decodeInts } from './ints-decode.ts';

function roundTrip(ints: number[], divisor = 1): number {
  const out = new ByteWriter();
  encodeInts(Float64Array.from(ints), out);
  const buf = out.finish();
  const decoded = new Float64Array(ints.length);
  decodeInts(new ByteReader(buf), ints.length, decoded, divisor);
  expect(Array.from(decoded)).toEqual(ints.map((x) => x / divisor));
  return buf.length;
}

const limit = INT_LIMIT - 1;

/** Mostly small steps with rare jumps of any size: exercises every block form. */
const spiky = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: -3, max: 3 }) },
    { weight: 1, arbitrary: fc.integer({ min: -limit, max: limit }) },
    { weight: 1, arbitrary: fc.constant(0) },
  ),
  { maxLength: 400, size: 'max' },
);

describe('encodeInts / decodeInts', () => {
  it('does round-trip any integers below 2^50 in magnitude', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -limit, max: limit }), { maxLength: 300, size: 'max' }),
        (v) => void roundTrip(v),
      ),
    );
  });

  it('does round-trip sparse and spiky data when blocks switch forms', () => {
    fc.assert(fc.property(spiky, (v) => void roundTrip(v)));
  });

  it('does round-trip random walks and counters when widths pass 32 bits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { maxLength: 300, size: 'max' }),
        (steps) => {
          let x = 0;
          const walk = steps.map((s) => {
            x = Math.max(-limit, Math.min(limit, x + s));
            return x;
          });
          roundTrip(walk);
        },
      ),
    );
  });

  it('does divide by the decimal scale when decoding', () => {
    roundTrip([1234, 1235, -1, 0, 99_999], 100);
  });

  it('does factor out a common divisor when values move in pages', () => {
    const pages = Array.from({ length: 1000 }, (_, i) => 4096 * (3_000_000 + ((i * 37) % 101)));
    const bytes = roundTrip(pages);
    expect(bytes * 8).toBeLessThan(1000 * 9);
  });

  it('does store zeros in one bit each when a gauge is mostly idle', () => {
    const idle = Array.from({ length: 1024 }, (_, i) => (i % 50 === 0 ? 123_456 + i : 0));
    expect(roundTrip(idle) * 8).toBeLessThan(1024 * 1.6);
  });
});
