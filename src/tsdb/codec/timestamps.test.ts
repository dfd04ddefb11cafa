import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from './errors.ts';
import { decodeTimestamps, encodeTimestamps } from './timestamps.ts';

function roundTrip(ts: number[]): Uint8Array {
  const encoded = encodeTimestamps(ts);
  expect(Array.from(decodeTimestamps(encoded))).toEqual(ts);
  return encoded;
}

const sortedUnique = (max: number) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max }), { maxLength: 400, size: 'max' })
    .map((a) => a.sort((x, y) => x - y));

/** A 5 s cadence from `start`, with the given per-step jitter and missed heartbeats. */
function cadence(n: number, jitter: (i: number) => number, missed: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (!missed(i)) out.push(1_735_689_600_000 + i * 5000 + jitter(i));
  return out;
}

describe('encodeTimestamps / decodeTimestamps', () => {
  it('does round-trip any sorted unique safe integers', () => {
    fc.assert(fc.property(sortedUnique(Number.MAX_SAFE_INTEGER), (ts) => void roundTrip(ts)));
  });

  it('does round-trip dense irregular timestamps', () => {
    fc.assert(fc.property(sortedUnique(20_000), (ts) => void roundTrip(ts)));
  });

  it('does round-trip huge gaps when they span the whole safe range', () => {
    roundTrip([0, 1, 2, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER]);
    roundTrip([0, 2 ** 52, 2 ** 52 + 1, 2 ** 53 - 1]);
    roundTrip([5, 2 ** 50 - 1, 2 ** 50, 2 ** 50 + 5000]);
  });

  it('does take the same Float64Array input as an array', () => {
    const ts = [1000, 6000, 11_000];
    expect(encodeTimestamps(Float64Array.from(ts))).toEqual(encodeTimestamps(ts));
  });

  it('does encode empty and single-element columns', () => {
    expect(roundTrip([]).length).toBeLessThanOrEqual(2);
    roundTrip([1_735_689_600_123]);
    roundTrip([0]);
  });

  it('does cost under half a bit per timestamp when the cadence is steady', () => {
    const ts = cadence(
      1440,
      () => 0,
      () => false,
    );
    expect(roundTrip(ts).length * 8).toBeLessThan(0.5 * 1440);
  });

  it('does cost about 1–2 bits per timestamp when heartbeats are jittered or missed now and then', () => {
    const ts = cadence(
      1440,
      (i) => (i % 50 === 0 ? (i % 7) * 9 - 27 : 0),
      (i) => i % 97 === 13,
    );
    expect(roundTrip(ts).length * 8).toBeLessThan(2 * ts.length);
  });

  it('does throw RangeError when timestamps are unsorted, repeated, negative or fractional', () => {
    for (const bad of [[2, 1], [1, 1], [-1, 5], [1.5], [Number.MAX_SAFE_INTEGER + 1], [Number.NaN]]) {
      expect(() => encodeTimestamps(bad)).toThrow(RangeError);
    }
  });

  it('does throw CodecError when the mode byte is unknown or the buffer is cut', () => {
    expect(() => decodeTimestamps(Uint8Array.of(7, 0))).toThrow(CodecError);
    const encoded = encodeTimestamps(
      cadence(
        100,
        (i) => i % 3,
        () => false,
      ),
    );
    expect(() => decodeTimestamps(encoded.subarray(0, 4))).toThrow(CodecError);
  });
});
