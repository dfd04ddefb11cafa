import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { msToSecondsText, scaleDecimalFloor, scaleToSafeInteger, toSafeInteger } from './decimal.ts';
import { formatFloat, parseFloatToken } from './sample.ts';

describe('parseFloatToken', () => {
  it('does reject what Number() would wrongly accept', () => {
    expect(
      ['', ' ', ' 1', '0x10', '1_000', '1e', 'e5', '.', '--1', 'Infinityx'].map(parseFloatToken),
    ).toEqual(Array(10).fill(undefined));
  });

  it('does read the Go spellings of NaN and the infinities in any case', () => {
    expect(['nan', 'NaN', 'INF', '+inf', '-Inf', 'Infinity', '-infinity'].map(parseFloatToken)).toEqual([
      Number.NaN,
      Number.NaN,
      Infinity,
      Infinity,
      -Infinity,
      Infinity,
      -Infinity,
    ]);
  });

  it('does read back every double formatFloat writes', () => {
    fc.assert(
      fc.property(fc.double(), (value) => {
        expect(parseFloatToken(formatFloat(value))).toBe(value);
      }),
    );
  });
});

describe('scaleDecimalFloor', () => {
  it('does shift exactly beyond 2^53 and round down', () => {
    expect(scaleDecimalFloor('1714560000123999999', -6)).toBe(1714560000123n);
    expect(scaleDecimalFloor('-1714560000123000001', -6)).toBe(-1714560000124n);
    expect(scaleDecimalFloor('1520879607.789', 3)).toBe(1520879607789n);
    expect(scaleDecimalFloor('1.5e9', 3)).toBe(1500000000000n);
    expect(scaleDecimalFloor('-0.0001', 3)).toBe(-1n);
  });

  it('does refuse non-numbers and absurd magnitudes', () => {
    expect(
      ['', '.', 'abc', '1e', '1.2.3', `1${'0'.repeat(50)}`, '1e9999'].map((t) => scaleDecimalFloor(t, 0)),
    ).toEqual(Array(7).fill(undefined));
  });

  it('does invert msToSecondsText for every safe integer', () => {
    const ms = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(ms, (value) => {
        expect(scaleDecimalFloor(msToSecondsText(value), 3)).toBe(BigInt(value));
      }),
    );
  });

  it('does agree with its fast path for integer text', () => {
    const digits = fc.stringMatching(/^-?\d{1,22}$/);
    fc.assert(
      fc.property(digits, fc.integer({ min: -9, max: 3 }), (text, shift) => {
        const slow = scaleDecimalFloor(text, shift);
        expect(scaleToSafeInteger(text, shift)).toBe(slow === undefined ? undefined : toSafeInteger(slow));
      }),
    );
  });
});
