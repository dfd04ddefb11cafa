import { BitWriter } from './bits.ts';
import { BLOCK, blockShape, type Shape, writeBlock } from './blocks.ts';
import type { ByteWriter } from './bytes.ts';

/**
 * Integers given to this module stay below 2^50 in magnitude, so first differences (< 2^51), second
 * differences (< 2^52) and their zig-zag form (< 2^53) are all exact doubles.
 */
export const INT_LIMIT = 2 ** 50;

/** How many times the integers are differenced before packing (0: as they are, 1: deltas, 2: delta-of-deltas). */
export const MAX_ORDER = 2;

interface Plan {
  order: number;
  /** Residuals, already divided by `gcd`. */
  residuals: Float64Array;
  gcd: number;
  bits: number;
  /** Each block's form, as costed: written as planned. */
  shapes: Shape[];
}

/**
 * Encodes integers (|x| < INT_LIMIT). Layout: order byte; the first `order` values as zig-zag varints
 * (x0, then the first delta); the gcd of the residuals as a varint; then the residuals divided by that
 * gcd, bit-packed in blocks (blocks.ts). The three orders suit gauges that sit still or jump and come
 * back (0), noisy gauges (1) and counters with a near-steady rate (2); a gcd above 1 removes common
 * factors such as 4096-byte pages. Each order is costed exactly and the smallest written. The bit
 * stream runs to the end of the buffer, so this section must come last.
 */
export function encodeInts(ints: Float64Array, out: ByteWriter): void {
  const n = ints.length;
  if (n === 0) return;
  let best = plan(ints, 0);
  for (let order = 1; order <= MAX_ORDER && order < n; order++) {
    const p = plan(ints, order);
    if (p.bits + 8 * order < best.bits) best = p;
  }
  out.writeByte(best.order);
  if (best.order >= 1) out.writeSignedVarint(ints[0] ?? 0);
  if (best.order >= 2) out.writeSignedVarint((ints[1] ?? 0) - (ints[0] ?? 0));
  const r = best.residuals;
  if (r.length === 0) return;
  out.writeVarint(best.gcd);
  const bits = new BitWriter(Math.ceil(best.bits / 8) + 8);
  for (let s = 0, b = 0; s < r.length; s += BLOCK, b++)
    writeBlock(bits, r, s, Math.min(r.length, s + BLOCK), best.shapes[b]);
  out.writeBytes(bits.finish());
}

function plan(ints: Float64Array, order: number): Plan {
  const residuals = differences(ints, order);
  let g = 0;
  for (let i = 0; i < residuals.length && g !== 1; i++) {
    const d = residuals[i] ?? 0;
    // A residual the gcd so far divides leaves it as it is (counters of 4096-byte pages: all of them).
    if (d !== 0 && (g === 0 || d % g !== 0)) g = gcd(g, Math.abs(d));
  }
  if (g > 1) for (let i = 0; i < residuals.length; i++) residuals[i] = (residuals[i] ?? 0) / g;
  let bits = 0;
  const shapes: Shape[] = [];
  for (let s = 0; s < residuals.length; s += BLOCK) {
    const shape = blockShape(residuals, s, Math.min(residuals.length, s + BLOCK));
    shapes.push(shape);
    bits += shape.bits;
  }
  return { order, residuals, gcd: Math.max(g, 1), bits, shapes };
}

function differences(ints: Float64Array, order: number): Float64Array {
  const n = ints.length;
  const out = new Float64Array(Math.max(0, n - order));
  for (let i = order; i < n; i++) {
    const x = ints[i] ?? 0;
    const prev = ints[i - 1] ?? 0;
    if (order === 0) out[i] = x;
    else if (order === 1) out[i - 1] = x - prev;
    else out[i - 2] = x - 2 * prev + (ints[i - 2] ?? 0);
  }
  return out;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}
