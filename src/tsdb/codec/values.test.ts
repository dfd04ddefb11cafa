import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitWriter } from './bits.ts';
import { ByteWriter } from './bytes.ts';
import { CodecError } from './errors.ts';
import { wordsOf } from './float-words.ts';
import { encodeInts } from './ints.ts';
import { decodeValues, encodeValues, ValueMode, valueModeOf } from './values.ts';
import { writeXorFloats } from './xor.ts';

/** Bit patterns of a Float64Array, so NaN payloads and -0 count. */
function bitsOf(values: Float64Array): bigint[] {
  return Array.from(new BigUint64Array(values.buffer, values.byteOffset, values.length));
}

function roundTrip(values: Float64Array): Uint8Array {
  const encoded = encodeValues(values);
  expect(bitsOf(decodeValues(encoded))).toEqual(bitsOf(values));
  return encoded;
}

function fromBits(bits: bigint[]): Float64Array {
  return new Float64Array(BigUint64Array.from(bits).buffer);
}

/** k-decimal values built the way agents build them: Math.round(x * 10^k) / 10^k. */
const decimals = fc.integer({ min: 0, max: 6 }).chain((k) =>
  fc.array(
    fc.integer({ min: -1e9, max: 1e9 }).map((i) => i / 10 ** k),
    { maxLength: 300, size: 'max' },
  ),
);

describe('encodeValues / decodeValues', () => {
  it('does round-trip any doubles bit for bit when they include NaN, -0 and infinities', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double(), { maxLength: 300, size: 'max' }),
        (v) => void roundTrip(Float64Array.from(v)),
      ),
    );
  });

  it('does round-trip arbitrary 64-bit patterns when NaNs carry payloads', () => {
    const word = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    fc.assert(
      fc.property(fc.array(word, { maxLength: 300, size: 'max' }), (bits) => void roundTrip(fromBits(bits))),
    );
  });

  it('does round-trip decimal data when a few special values are mixed in', () => {
    const special = fc.constantFrom(Number.NaN, -0, Number.POSITIVE_INFINITY, 0.1 + 0.2, 5e-324, 1e300);
    const mixed = fc
      .tuple(decimals, fc.array(fc.tuple(fc.nat(), special), { maxLength: 5 }))
      .map(([v, s]) => {
        for (const [at, x] of s) if (v.length > 0) v[at % v.length] = x;
        return v;
      });
    fc.assert(fc.property(mixed, (v) => void roundTrip(Float64Array.from(v))));
  });

  it('does pick the decimal mode when every value has at most 6 decimals', () => {
    fc.assert(
      fc.property(decimals, (v) => {
        const encoded = roundTrip(Float64Array.from(v));
        const distinct = new Set(v.map((x) => (Object.is(x, -0) ? 'z' : x))).size;
        if (distinct > 1 && !v.some((x) => Object.is(x, -0)))
          expect(valueModeOf(encoded)).toBe(ValueMode.decimal);
      }),
    );
  });

  it('does store a column in two bytes when it is empty', () => {
    expect(roundTrip(new Float64Array(0)).length).toBe(2);
  });

  it('does use a constant mode when all bit patterns are equal, and only then', () => {
    const constant = (v: number, n = 1000) => roundTrip(new Float64Array(n).fill(v));
    // Constants with at most 7 decimals: header, count, the scaled integer as a zig-zag varint.
    expect(constant(68719476736).length).toBe(3 + 6);
    expect(constant(0).length).toBe(3 + 1);
    expect(constant(60, 120).length).toBe(2 + 1);
    for (const v of [0, 42, -7, 0.5, 1234.567, -0.0000001, 2 ** 49, -(2 ** 49) + 1]) {
      expect(valueModeOf(constant(v))).toBe(ValueMode.constantDecimal);
    }
    // Everything else keeps the 8 raw bytes.
    for (const v of [Number.NaN, -0, Number.POSITIVE_INFINITY, 0.1 + 0.2, 1e-9, 2 ** 53, 1e300]) {
      const encoded = constant(v);
      expect(valueModeOf(encoded)).toBe(ValueMode.constant);
      expect(encoded.length).toBe(11);
    }
    expect(valueModeOf(roundTrip(Float64Array.of(0, -0)))).not.toBe(ValueMode.constant);
    const payloads = fromBits([0x7ff8000000000000n, 0x7ff8000000000001n]);
    expect(valueModeOf(roundTrip(payloads))).not.toBe(ValueMode.constant);
  });

  it('does still read format-2 constant columns (mode 0 with 8 raw bytes) of any value', () => {
    for (const v of [0, 42, 0.5]) {
      const old = new Uint8Array(11);
      old[0] = ValueMode.constant;
      old[1] = 9;
      new DataView(old.buffer).setFloat64(2, v, true);
      expect([...decodeValues(old)]).toEqual(new Array(9).fill(v));
    }
  });

  it('does keep 6-decimal values exact when they sit at the scale limit', () => {
    const v = Float64Array.from({ length: 500 }, (_, i) => Math.round((i * 0.123457 + 1e-6) * 1e6) / 1e6);
    const encoded = roundTrip(v);
    expect(valueModeOf(encoded)).toBe(ValueMode.decimal);
    expect((encoded[0] ?? 0) >> 3).toBe(6);
  });

  it('does code exporter-style 9-decimal and exponent values as wide decimals, smaller than XOR', () => {
    // go_gc_duration_seconds and node_scrape_collector_duration_seconds print 9 decimals or forms
    // such as 1.2345e-05: both are exact at some scale from 8 to 15.
    const nine = Float64Array.from({ length: 720 }, (_, i) =>
      Number((0.0001 + ((i * 7919) % 5000) * 1e-9).toFixed(9)),
    );
    const exp = Float64Array.from({ length: 720 }, (_, i) => Number(`${1000 + ((i * 31) % 997)}e-8`));
    for (const column of [nine, exp]) {
      const encoded = roundTrip(column);
      expect(valueModeOf(encoded)).toBe(ValueMode.decimalWide);
      const xor = new BitWriter(column.length * 2 + 16);
      writeXorFloats(xor, wordsOf(column), column.length);
      expect(encoded.length).toBeLessThan(xor.finish().length / 2);
    }
  });

  it('does code decimals printed through binary arithmetic as near decimals, smaller than XOR', () => {
    // node_exporter's node_pressure_*_total: microseconds × 1e-6 gives 11.771992000000001 and the like.
    const micro = Float64Array.from(
      { length: 720 },
      (_, i) => (11771992 + i * 4127 + ((i * 7919) % 300)) * 1e-6,
    );
    const negative = micro.map((v) => -v);
    const thirds = Float64Array.from({ length: 720 }, (_, i) => (i * 1000 + 17) / 3);
    for (const column of [micro, negative]) {
      const encoded = roundTrip(column);
      expect(valueModeOf(encoded)).toBe(ValueMode.decimalNear);
      const xor = new BitWriter(column.length * 2 + 16);
      writeXorFloats(xor, wordsOf(column), column.length);
      expect(encoded.length).toBeLessThan(xor.finish().length / 2);
    }
    // Thirds are no decimals at any scale: they stay XOR (or raw).
    expect(valueModeOf(roundTrip(thirds))).not.toBe(ValueMode.decimalNear);
  });

  it('does round-trip near decimals bit for bit, with patches and corrections across word boundaries', () => {
    const near = fc.array(
      fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map((i) => i * 1e-6) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 10 ** 6 }).map((i) => i * 0.001 + 1e-12) },
        { weight: 1, arbitrary: fc.constantFrom(Number.NaN, -0, Number.POSITIVE_INFINITY, 5e-324, -5e-324) },
      ),
      { minLength: 1, maxLength: 300 },
    );
    fc.assert(
      fc.property(near, (v) => void roundTrip(Float64Array.from(v))),
      { numRuns: 300 },
    );
    // Doubles whose low word is all ones or zero: a correction carries into or borrows from the high word.
    const edge = fromBits([0x4026_8b1c_ffff_ffffn, 0x4026_8b1d_0000_0000n, 0x4026_8b1c_ffff_fffen]);
    roundTrip(Float64Array.from({ length: 64 }, (_, i) => edge[i % 3] ?? 0));
  });

  it('does refuse a near-decimal correction past its limit as CodecError', () => {
    const column = (correction: number) => {
      const ints = new ByteWriter(16);
      encodeInts(Float64Array.of(3), ints);
      const intBytes = ints.finish();
      const out = new ByteWriter(32);
      out.writeByte(ValueMode.decimalNear);
      out.writeVarint(1);
      out.writeByte(0);
      out.writeVarint(intBytes.length);
      out.writeBytes(intBytes);
      encodeInts(Float64Array.of(correction), out);
      return out.finish();
    };
    expect(decodeValues(column(1))[0]).toBe(3.0000000000000004);
    expect(() => decodeValues(column(2 ** 20 + 1))).toThrow(CodecError);
  });

  it('does round-trip wide decimals with patches and keep the patched flag', () => {
    const v = Float64Array.from({ length: 200 }, (_, i) => (i === 50 ? Number.NaN : Number(`${i + 1}e-12`)));
    const encoded = roundTrip(v);
    expect(valueModeOf(encoded)).toBe(ValueMode.decimalWide);
    expect((encoded[0] ?? 0) & 0x40).toBe(0x40);
  });

  it('does leave the decimal mode when values almost look decimal but are not', () => {
    // i * 0.1 gives 0.30000000000000004 and friends: equal to a decimal to 16 digits, yet none.
    const sums = roundTrip(Float64Array.from({ length: 200 }, (_, i) => i * 0.1));
    const thirds = roundTrip(Float64Array.from({ length: 200 }, (_, i) => i * 0.1 + 0.2 + 1e-9 / 3));
    const tiny = roundTrip(Float64Array.from({ length: 100 }, (_, i) => 1e-7 * i));
    for (const encoded of [sums, thirds, tiny]) expect(valueModeOf(encoded)).not.toBe(ValueMode.decimal);
  });

  it('does round-trip integers near the decimal limits when they pass 2^50 or jump by 2^49', () => {
    roundTrip(Float64Array.from({ length: 300 }, (_, i) => 2 ** 50 - 300 + i));
    roundTrip(Float64Array.from({ length: 300 }, (_, i) => 2 ** 53 - 300 + i));
    roundTrip(Float64Array.of(Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 1e21, -1e21));
    const wide = roundTrip(
      Float64Array.from({ length: 300 }, (_, i) => ((i * 7919) % 2 ** 18) * 2 ** 31 * (i % 2 ? 1 : -1)),
    );
    expect(valueModeOf(wide)).toBe(ValueMode.decimal);
  });

  it('does patch a stray NaN when the rest of the column is decimal', () => {
    const v = Float64Array.from({ length: 1000 }, (_, i) => Math.round(Math.sin(i) * 1e4) / 100);
    v[10] = Number.NaN;
    v[0] = Number.NEGATIVE_INFINITY;
    const encoded = roundTrip(v);
    expect(valueModeOf(encoded)).toBe(ValueMode.decimal);
    expect((encoded[0] ?? 0) & 0x40).toBe(0x40);
  });

  it('does cost at most 2 bits per value when a counter grows at a steady rate', () => {
    const uptime = Float64Array.from({ length: 1440 }, (_, i) => 4_528_825 + 5 * i + (i % 97 === 0 ? 1 : 0));
    expect(roundTrip(uptime).length * 8).toBeLessThan(2 * 1440);
  });

  it('does never exceed raw size by more than the header when data is random', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { minLength: 1, maxLength: 100 }),
        (b) => {
          expect(roundTrip(fromBits(b)).length).toBeLessThanOrEqual(8 * b.length + 2);
        },
      ),
    );
  });

  it('does write raw doubles only when no other mode is smaller, at their known length', () => {
    // Raw is never written to be compared: its length (header, count varint, 8 bytes a value) is.
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { minLength: 2, maxLength: 300 }),
        (b) => {
          const encoded = roundTrip(fromBits(b));
          const rawLength = 1 + (b.length < 128 ? 1 : 2) + 8 * b.length;
          expect(encoded.length).toBeLessThanOrEqual(rawLength);
          if (valueModeOf(encoded) === ValueMode.raw) expect(encoded.length).toBe(rawLength);
        },
      ),
    );
    // Values XOR cannot shrink (every bit pattern different at both ends) take the raw mode.
    const random = fromBits(
      Array.from({ length: 64 }, (_, i) => (0x9e3779b97f4a7c15n * BigInt(i + 1)) % 2n ** 64n),
    );
    expect(valueModeOf(roundTrip(random))).toBe(ValueMode.raw);
  });

  it('does throw CodecError when the header carries bits no mode defines', () => {
    const encoded = encodeValues(Float64Array.of(1.5, 2.5, 4));
    for (const header of [0x80 | (encoded[0] ?? 0), ValueMode.xor | (2 << 3), 7]) {
      const bad = encoded.slice();
      bad[0] = header;
      expect(() => decodeValues(bad)).toThrow(CodecError);
    }
  });

  it('does throw only CodecError when the buffer is truncated or corrupt', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double(), { minLength: 1, maxLength: 100 }),
        fc.nat(),
        fc.nat(),
        (v, cut, flip) => {
          const encoded = encodeValues(Float64Array.from(v));
          const truncated = encoded.subarray(0, cut % encoded.length);
          const corrupt = encoded.slice();
          corrupt[flip % corrupt.length] = (corrupt[flip % corrupt.length] ?? 0) ^ 0xa5;
          for (const bad of [truncated, corrupt]) {
            try {
              decodeValues(bad);
            } catch (err: unknown) {
              expect(err).toBeInstanceOf(CodecError);
            }
          }
        },
      ),
    );
  });
});
