import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from './errors.ts';
import { countPresent, decodePresence, encodePresence } from './presence.ts';

function roundTrip(mask: Uint8Array): Uint8Array {
  const encoded = encodePresence(mask);
  expect(Array.from(decodePresence(encoded, mask.length))).toEqual(Array.from(mask));
  return encoded;
}

describe('encodePresence / decodePresence', () => {
  it('does round-trip any mask', () => {
    const mask = fc
      .array(fc.integer({ min: 0, max: 1 }), { maxLength: 2000, size: 'max' })
      .map((a) => Uint8Array.from(a));
    fc.assert(fc.property(mask, (m) => void roundTrip(m)));
  });

  it('does round-trip masks made of long runs', () => {
    const runs = fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 500 })), { maxLength: 20 });
    fc.assert(
      fc.property(runs, (r) => {
        const mask = Uint8Array.from(r.flatMap(([on, len]) => new Array<number>(len).fill(on ? 1 : 0)));
        roundTrip(mask);
      }),
    );
  });

  it('does cost one byte when every or no position is present', () => {
    expect(roundTrip(new Uint8Array(1440).fill(1)).length).toBe(1);
    expect(roundTrip(new Uint8Array(1440)).length).toBe(1);
    expect(roundTrip(new Uint8Array(0)).length).toBe(1);
  });

  it('does cost a few bytes when a series misses a handful of timestamps', () => {
    const mask = new Uint8Array(1440).fill(1);
    for (const i of [0, 700, 701, 1439]) mask[i] = 0;
    expect(roundTrip(mask).length).toBeLessThanOrEqual(8);
  });

  it('does stay within a bitmap plus one byte when presence alternates', () => {
    const mask = Uint8Array.from({ length: 1000 }, (_, i) => i % 2);
    expect(roundTrip(mask).length).toBeLessThanOrEqual(1 + 125);
  });

  it('does treat any non-zero byte as present', () => {
    const encoded = encodePresence(Uint8Array.of(0, 7, 255, 0));
    expect(Array.from(decodePresence(encoded, 4))).toEqual([0, 1, 1, 0]);
    expect(countPresent(Uint8Array.of(0, 7, 255, 0))).toBe(2);
  });

  it('does throw CodecError when runs overflow the window or the layout is unknown', () => {
    expect(() => decodePresence(Uint8Array.of(2, 50), 10)).toThrow(CodecError);
    expect(() => decodePresence(Uint8Array.of(9), 10)).toThrow(CodecError);
  });
});
