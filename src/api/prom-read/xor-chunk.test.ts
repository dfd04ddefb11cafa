import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeXorChunk, float64Bits } from './test-support.ts';
import { encodeXorChunk, SAMPLES_PER_CHUNK, uvarintBytes, varintBytes, xorChunks } from './xor-chunk.ts';

function roundTrip(timestamps: number[], values: Float64Array): void {
  const chunk = encodeXorChunk(timestamps, values);
  const back = decodeXorChunk(chunk);
  expect(back.timestamps).toEqual(timestamps);
  expect(back.bits).toEqual(
    Array.from(values, (_, i) => new DataView(values.buffer).getBigUint64(i * 8, true)),
  );
}

/** A Float64Array holding exactly these 64-bit patterns. */
function fromBits(bits: readonly bigint[]): Float64Array {
  const out = new Float64Array(bits.length);
  const view = new DataView(out.buffer);
  bits.forEach((b, i) => {
    view.setBigUint64(i * 8, b, true);
  });
  return out;
}

describe('XOR chunk encoder', () => {
  it('writes varints as Go does (zigzag for the first timestamp)', () => {
    expect(uvarintBytes(0)).toEqual([0]);
    expect(uvarintBytes(300)).toEqual([0xac, 0x02]);
    expect(varintBytes(-1)).toEqual([1]);
    expect(varintBytes(1)).toEqual([2]);
    expect(varintBytes(1_700_000_000_000)).toEqual(uvarintBytes(3_400_000_000_000));
  });

  it('writes the count big-endian and the first sample as varint + 64 bits (then an empty byte)', () => {
    const chunk = encodeXorChunk([5], Float64Array.of(1));
    // count 1 | varint(5) = 10 | 1.0 = 3ff0000000000000 | the fresh byte Prometheus leaves after bytes.
    expect([...chunk]).toEqual([0, 1, 10, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0]);
    expect([...encodeXorChunk([], new Float64Array(0))]).toEqual([0, 0]);
  });

  it('round-trips special values bitwise: NaN payloads, ±Inf, −0, subnormals, repeats', () => {
    const bits = [
      float64Bits(0),
      float64Bits(-0),
      0x7ff8000000000001n, // NaN with a payload
      0x7ff0000000000002n, // Prometheus' stale marker
      float64Bits(Number.POSITIVE_INFINITY),
      float64Bits(Number.NEGATIVE_INFINITY),
      float64Bits(Number.NaN),
      float64Bits(Number.NaN),
      float64Bits(5e-324),
      float64Bits(Number.MAX_VALUE),
      float64Bits(-Number.MAX_VALUE),
      float64Bits(1),
      float64Bits(1),
      0xffffffffffffffffn,
      1n,
      0x8000000000000000n,
    ];
    const ts = bits.map((_, i) => 1_700_000_000_000 + i * 15_000);
    roundTrip(ts, fromBits(bits));
  });

  it('round-trips every delta-of-delta bucket at its edges, and big jumps in the 64-bit one', () => {
    const dods = [
      0,
      1,
      -1,
      8191,
      8192,
      -8191,
      -8192,
      65535,
      65536,
      -65535,
      -65536,
      524287,
      524288,
      -524287,
      -524288,
      524289,
      -524289,
      2 ** 40,
      -(2 ** 40),
      2 ** 45,
    ];
    const ts = [1_000_000_000, 1_000_000_000 + 10 ** 7];
    let delta = 10 ** 7;
    for (const dod of dods) {
      delta += dod;
      // Keep timestamps increasing: a negative dod needs a large delta to subtract from.
      if (delta <= 0) delta = 1;
      ts.push((ts[ts.length - 1] as number) + delta);
    }
    const recomputed = ts.slice(1).map((t, i) => t - (ts[i] as number));
    expect(recomputed.every((d) => d > 0)).toBe(true);
    roundTrip(
      ts,
      Float64Array.from(ts, (_, i) => i * 0.5),
    );
  });

  it('round-trips random series (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 40), max: 2 ** 50 }),
        fc.array(fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 2 ** 44 })), {
          maxLength: 300,
        }),
        fc.array(fc.oneof(fc.double(), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), { maxLength: 301 }),
        (start, gaps, rawValues) => {
          const ts = [start];
          for (const g of gaps) ts.push((ts[ts.length - 1] as number) + g);
          const bits = ts.map((_, i) => {
            const v = rawValues[i % Math.max(1, rawValues.length)] ?? 0;
            return typeof v === 'bigint' ? v : float64Bits(v);
          });
          roundTrip(ts, fromBits(bits));
        },
      ),
      { numRuns: 300 },
    );
  });

  it(`cuts points into chunks of ${SAMPLES_PER_CHUNK} with their min and max times`, () => {
    const ts = Float64Array.from({ length: 250 }, (_, i) => 1000 + i * 1000);
    const vs = Float64Array.from(ts, (t) => Math.sin(t));
    const chunks = xorChunks(ts, vs);
    expect(chunks.map((c) => [c.minTimeMs, c.maxTimeMs])).toEqual([
      [1000, 120_000],
      [121_000, 240_000],
      [241_000, 250_000],
    ]);
    const back = chunks.flatMap((c) => decodeXorChunk(c.data).timestamps);
    expect(back).toEqual([...ts]);
    expect(chunks.flatMap((c) => [...decodeXorChunk(c.data).values])).toEqual([...vs]);
  });
});
