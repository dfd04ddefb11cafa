import { BitReader } from './bits.ts';
import { BLOCK, readBlock } from './blocks.ts';
import type { ByteReader } from './bytes.ts';
import { CodecError } from './errors.ts';
import { MAX_ORDER } from './ints.ts';

/**
 * One block's unpacked values. Shared: decoding is synchronous, and a 30-day aggregate decodes
 * hundreds of small columns, whose per-call scratch arrays were a fifth of its garbage.
 */
const SCRATCH = new Float64Array(BLOCK);

/**
 * Decodes `n` integers written by encodeInts and stores each divided by `divisor` (1 for plain
 * integers, 10^k for decimal columns: the same division the encoder verified, so results are exact).
 * Each block is unpacked into a small scratch array, then integrated, which keeps both loops short.
 */
export function decodeInts(input: ByteReader, n: number, out: Float64Array, divisor: number): void {
  if (n === 0) return;
  const order = input.readByte();
  if (order > MAX_ORDER || order > n) throw new CodecError(`bad integer order ${order}`);
  let x = 0;
  let d = 0;
  if (order >= 1) {
    x = input.readSignedVarint();
    out[0] = x / divisor;
  }
  if (order >= 2) {
    d = input.readSignedVarint();
    x += d;
    out[1] = x / divisor;
  }
  if (order >= n) return;
  const g = input.readVarint();
  const bits = new BitReader(input.buf, input.offset);
  const tmp = SCRATCH;
  for (let i = order; i < n; i += BLOCK) {
    const len = Math.min(BLOCK, n - i);
    readBlock(bits, tmp, len, g);
    if (order === 0) {
      for (let j = 0; j < len; j++) out[i + j] = (tmp[j] ?? 0) / divisor;
    } else if (order === 1) {
      for (let j = 0; j < len; j++) {
        x += tmp[j] ?? 0;
        out[i + j] = x / divisor;
      }
    } else {
      for (let j = 0; j < len; j++) {
        d += tmp[j] ?? 0;
        x += d;
        out[i + j] = x / divisor;
      }
    }
  }
}
