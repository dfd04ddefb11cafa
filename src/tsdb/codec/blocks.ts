import type { BitReader, BitWriter } from './bits.ts';
import { CodecError } from './errors.ts';

/** Residuals per block; each block has its own widths, so one spike widens one block only. */
export const BLOCK = 64;

/**
 * One block of integer residuals (|r| < 2^52) in the bit stream:
 *   6 bits  W: width of the widest stored value (0..53)
 *   1 bit   B: 0 = values stored zig-zag; 1 = a block minimum follows (6-bit width + zig-zag bits)
 *              and values are stored as offsets from it, which suits deltas hovering around a rate
 *   if W>0: 1 bit T: 1 = two widths: a 6-bit narrow width N < W follows, and each value is preceded
 *              by a flag bit choosing W or N. N = 0 makes a sparse block (zeros cost one bit), other
 *              N keep rare spikes from widening the whole block.
 * The encoder costs every form from a histogram of value widths and writes the smallest.
 */
export interface Shape {
  /** Bits the block takes in this form. */
  bits: number;
  wide: number;
  narrow: number;
  base: number | undefined;
}

/** The smallest form of the block r[start, end), with its size in bits. */
export function blockShape(r: Float64Array, start: number, end: number): Shape {
  return shapeOf(r, start, end);
}

/** Writes the block r[start, end) in `shape` (its `blockShape`, computed here when not given). */
export function writeBlock(
  out: BitWriter,
  r: Float64Array,
  start: number,
  end: number,
  shape: Shape = shapeOf(r, start, end),
): void {
  const { wide, narrow, base } = shape;
  out.write(wide, 6);
  out.write(base === undefined ? 0 : 1, 1);
  if (base !== undefined) {
    const zb = zigzag(base);
    out.write(bitWidth(zb), 6);
    out.writeWide(zb, bitWidth(zb));
  }
  if (wide === 0) return;
  const two = narrow < wide;
  out.write(two ? 1 : 0, 1);
  if (two) out.write(narrow, 6);
  for (let i = start; i < end; i++) {
    const v = base === undefined ? zigzag(r[i] ?? 0) : (r[i] ?? 0) - base;
    if (!two) {
      out.writeWide(v, wide);
    } else if (bitWidth(v) > narrow) {
      out.write(1, 1);
      out.writeWide(v, wide);
    } else {
      out.write(0, 1);
      out.writeWide(v, narrow);
    }
  }
}

const histogram = new Int32Array(54);

function shapeOf(r: Float64Array, start: number, end: number): Shape {
  let min = Number.POSITIVE_INFINITY;
  for (let i = start; i < end; i++) min = Math.min(min, r[i] ?? 0);
  const zig = widthsFor(r, start, end, undefined);
  const offset = widthsFor(r, start, end, min);
  offset.bits += 6 + bitWidth(zigzag(min));
  return offset.bits < zig.bits ? offset : zig;
}

function widthsFor(r: Float64Array, start: number, end: number, base: number | undefined): Shape {
  histogram.fill(0);
  let wide = 0;
  for (let i = start; i < end; i++) {
    const w = bitWidth(base === undefined ? zigzag(r[i] ?? 0) : (r[i] ?? 0) - base);
    histogram[w] = (histogram[w] ?? 0) + 1;
    if (w > wide) wide = w;
  }
  const len = end - start;
  let best: Shape = { bits: 7 + (wide > 0 ? 1 : 0) + len * wide, wide, narrow: wide, base };
  let fitting = 0;
  for (let narrow = 0; narrow < wide; narrow++) {
    fitting += histogram[narrow] ?? 0;
    const bits = 14 + len + fitting * narrow + (len - fitting) * wide;
    if (bits < best.bits) best = { bits, wide, narrow, base };
  }
  return best;
}

/** Scratch for raw fields; decoding is synchronous, so one module-level buffer serves every call. */
const fields = new Uint32Array(BLOCK);

/** Unpacks one block into tmp[0..len), multiplied back by the gcd `g`. */
export function readBlock(bits: BitReader, tmp: Float64Array, len: number, g: number): void {
  const wide = bits.read(6);
  const hasBase = bits.readBit() === 1;
  const base = hasBase ? unzigzag(bits.readWide(checkWidth(bits.read(6)))) : 0;
  if (wide === 0) {
    tmp.fill(base * g, 0, len);
    return;
  }
  checkWidth(wide);
  const narrow = bits.readBit() === 1 ? bits.read(6) : wide;
  if (narrow > wide) throw new CodecError(`narrow width ${narrow} exceeds ${wide}`);
  if (wide <= 32) {
    if (narrow === wide) bits.readMany(fields, len, wide);
    else bits.readFlagged(fields, len, wide, narrow);
    if (hasBase) {
      for (let j = 0; j < len; j++) tmp[j] = ((fields[j] ?? 0) + base) * g;
    } else {
      for (let j = 0; j < len; j++) {
        const z = fields[j] ?? 0;
        // Int32 zig-zag decoding is exact here: z >>> 1 < 2^31.
        tmp[j] = ((z >>> 1) ^ -(z & 1)) * g;
      }
    }
    return;
  }
  // Widths past 32 bits only occur for wild data; plain float arithmetic keeps them exact.
  for (let j = 0; j < len; j++) {
    const w = narrow === wide || bits.readBit() === 1 ? wide : narrow;
    const z = bits.readWide(w);
    tmp[j] = (hasBase ? z + base : unzigzag(z)) * g;
  }
}

function checkWidth(w: number): number {
  if (w > 53) throw new CodecError(`bad block width ${w}`);
  return w;
}

/** Zig-zag in float arithmetic (exact below 2^52): 0, -1, 1, -2 … → 0, 1, 2, 3 … */
export function zigzag(v: number): number {
  return v < 0 ? -2 * v - 1 : 2 * v;
}

export function unzigzag(z: number): number {
  return z % 2 === 1 ? -(z + 1) / 2 : z / 2;
}

/** Bits needed for a non-negative integer below 2^53. */
export function bitWidth(v: number): number {
  if (v < 0x1_0000_0000) return 32 - Math.clz32(v);
  return 64 - Math.clz32(Math.floor(v / 0x1_0000_0000));
}
