/**
 * Exact decimal scaling for timestamps. Timestamps arrive as ns (19 digits, beyond 2^53) or as float
 * seconds (`1520879607.789`); going through a double would lose or invent milliseconds, so the digits are
 * shifted as a BigInt instead.
 */

const DECIMAL_PARTS = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/;

// Far beyond any real timestamp; the bound only keeps BigInt work small on hostile input.
const MAX_DIGITS = 40;
const MAX_SHIFT = 60;

/**
 * Returns floor(text × 10^shift) for a decimal number `text` (optionally with fraction and exponent),
 * or undefined when `text` is not such a number. Floor, not truncation, so that -1 ns is -1 ms like in
 * every other time library.
 */
export function scaleDecimalFloor(text: string, shift: number): bigint | undefined {
  const match = DECIMAL_PARTS.exec(text);
  if (match === null) return undefined;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  const digits = whole + fraction;
  if (digits === '' || digits.length > MAX_DIGITS) return undefined;
  const power = shift + Number(exponent) - fraction.length;
  if (Math.abs(power) > MAX_SHIFT) return undefined;
  const magnitude = BigInt(digits);
  if (power >= 0) {
    const scaled = magnitude * 10n ** BigInt(power);
    return sign === '-' ? -scaled : scaled;
  }
  const divisor = 10n ** BigInt(-power);
  const quotient = magnitude / divisor;
  if (sign !== '-') return quotient;
  return magnitude % divisor === 0n ? -quotient : -quotient - 1n;
}

/** The BigInt as a number if it is a safe integer (so it stays exact), otherwise undefined. */
export function toSafeInteger(value: bigint): number | undefined {
  const asNumber = Number(value);
  return Number.isSafeInteger(asNumber) ? asNumber : undefined;
}

const UNSIGNED_INTEGER = /^\d{1,30}$/;

/**
 * floor(text × 10^shift) as a safe integer, or undefined. Non-negative integers, the bulk of ingest
 * (19-digit ns stamps), take a string fast path: dropping digits is flooring them.
 */
export function scaleToSafeInteger(text: string, shift: number): number | undefined {
  if (shift <= 0 && UNSIGNED_INTEGER.test(text)) {
    const kept = shift === 0 ? text : text.slice(0, shift);
    const value = Number(kept === '' ? '0' : kept);
    return Number.isSafeInteger(value) ? value : undefined;
  }
  const scaled = scaleDecimalFloor(text, shift);
  return scaled === undefined ? undefined : toSafeInteger(scaled);
}

/** Writes integer ms as decimal seconds with exactly three fraction digits (`-1` → `-0.001`). */
export function msToSecondsText(ms: number): string {
  const big = BigInt(ms);
  const magnitude = big < 0n ? -big : big;
  const fraction = (magnitude % 1000n).toString().padStart(3, '0');
  return `${big < 0n ? '-' : ''}${magnitude / 1000n}.${fraction}`;
}
