import type { BitReader, BitWriter } from './bits.ts';
import { CodecError } from './errors.ts';
import { HI, LO } from './float-words.ts';

/**
 * Gorilla's XOR coding of doubles (Pelkonen et al., VLDB 2015, §4.1.2): each value is XORed with its
 * predecessor; a zero XOR costs one bit; otherwise the meaningful bits are written either inside the
 * previous leading/trailing-zero window ('10') or with a new window ('11' + 5-bit leading count +
 * 6-bit length). The first value is written raw (64 bits).
 */
export function writeXorFloats(out: BitWriter, words: Uint32Array, n: number): void {
  const hiAt = HI; // local copies: see float-words.ts
  const loAt = LO;
  if (n === 0) return;
  let prevHi = words[hiAt] ?? 0;
  let prevLo = words[loAt] ?? 0;
  out.write(prevLo, 32);
  out.write(prevHi, 32);
  let lead = -1;
  let trail = 0;
  for (let i = 1; i < n; i++) {
    const hi = words[2 * i + hiAt] ?? 0;
    const lo = words[2 * i + loAt] ?? 0;
    const xHi = (hi ^ prevHi) >>> 0;
    const xLo = (lo ^ prevLo) >>> 0;
    prevHi = hi;
    prevLo = lo;
    if (xHi === 0 && xLo === 0) {
      out.write(0, 1);
      continue;
    }
    const l = Math.min(31, xHi !== 0 ? Math.clz32(xHi) : 32 + Math.clz32(xLo));
    const t = xLo !== 0 ? 31 - Math.clz32(xLo & -xLo) : 32 + (31 - Math.clz32(xHi & -xHi));
    if (lead >= 0 && l >= lead && t >= trail) {
      out.write(1, 2); // '1' then '0', LSB first
      writeShifted(out, xHi, xLo, trail, 64 - lead - trail);
      continue;
    }
    lead = l;
    trail = t;
    const len = 64 - l - t;
    out.write(3, 2);
    out.write(l, 5);
    out.write(len & 63, 6); // a length of 64 is stored as 0
    writeShifted(out, xHi, xLo, t, len);
  }
}

/** Writes `len` bits of the 64-bit value (hi:lo) >>> shift. */
function writeShifted(out: BitWriter, hi: number, lo: number, shift: number, len: number): void {
  let vLo: number;
  let vHi: number;
  if (shift >= 32) {
    vLo = hi >>> (shift - 32);
    vHi = 0;
  } else if (shift === 0) {
    vLo = lo;
    vHi = hi;
  } else {
    vLo = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
    vHi = hi >>> shift;
  }
  if (len <= 32) {
    out.write(vLo, len);
  } else {
    out.write(vLo, 32);
    out.write(vHi, len - 32);
  }
}

/** Reads `n` doubles written by writeXorFloats into the word view `words` (2n words). */
export function readXorFloats(input: BitReader, words: Uint32Array, n: number): void {
  const hiAt = HI; // local copies: see float-words.ts
  const loAt = LO;
  if (n === 0) return;
  let lo = input.read(32);
  let hi = input.read(32);
  words[loAt] = lo;
  words[hiAt] = hi;
  let trail = 0;
  let len = 0;
  for (let i = 1; i < n; i++) {
    if (input.readBit() !== 0) {
      if (input.readBit() !== 0) {
        const lead = input.read(5);
        len = input.read(6) || 64;
        trail = 64 - lead - len;
      } else if (len === 0) {
        throw new CodecError('XOR window reused before one was set');
      }
      let xLo: number;
      let xHi = 0;
      if (len <= 32) {
        xLo = input.read(len);
      } else {
        xLo = input.read(32);
        xHi = input.read(len - 32);
      }
      if (trail >= 32) {
        xHi = xLo << (trail - 32);
        xLo = 0;
      } else if (trail > 0) {
        xHi = (xHi << trail) | (xLo >>> (32 - trail));
        xLo = xLo << trail;
      }
      hi = (hi ^ xHi) >>> 0;
      lo = (lo ^ xLo) >>> 0;
    }
    words[2 * i + loAt] = lo;
    words[2 * i + hiAt] = hi;
  }
}
