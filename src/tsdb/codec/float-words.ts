/**
 * Doubles are handled as pairs of 32-bit words through a Uint32Array view of the same memory: no
 * per-value conversion, and bit patterns (NaN payloads, -0) are kept exactly. Typed arrays use the
 * platform's byte order, so the index of the high word is found once here.
 */
const probe = new Uint32Array(new Float64Array([1]).buffer);

/**
 * Index offset of the high (sign/exponent) word of a double inside its pair of words. Loops copy HI
 * and LO into local constants first: an imported binding is read through its module cell on every
 * use, which made a word-fill loop ten times slower when measured.
 */
export const HI = probe[1] === 0x3ff00000 ? 1 : 0;
/** Index offset of the low word. */
export const LO = 1 - HI;

/** The words of a Float64Array, sharing its memory. */
export function wordsOf(values: Float64Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
}

/** Counts trailing zero bits of a non-zero 32-bit word. */
export function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}
