import { BitReader, BitWriter } from './bits.ts';
import { ByteReader, ByteWriter } from './bytes.ts';
import { CodecError } from './errors.ts';
import { encodeInts, INT_LIMIT } from './ints.ts';
import { decodeInts } from './ints-decode.ts';

/** Timestamp column modes (first byte). */
const PACKED = 0;
const BUCKETS = 1;

/**
 * Bucketed delta-of-delta codes, after Gorilla §4.1.1 but sized for millisecond clocks: prefix (read
 * LSB first), then a zig-zag field. A steady cadence costs one bit per timestamp; ±50 ms agent jitter
 * lands in the 9-bit bucket; a missed 5 s heartbeat in the 17-bit one.
 */
const BUCKET_WIDTHS = [7, 9, 12, 17] as const;

/**
 * Encodes sorted, unique, non-negative integer millisecond timestamps. Two layouts are tried and the
 * smaller kept: PACKED (the block bit-packing of encodeInts, near zero bits for a steady cadence and
 * best for jitter) and BUCKETS (per-value prefix codes, best when rare gaps would widen whole blocks).
 * Layout: mode byte, count varint, payload.
 */
export function encodeTimestamps(ts: readonly number[] | Float64Array): Uint8Array {
  const values = ts instanceof Float64Array ? ts : Float64Array.from(ts);
  validate(values);
  const buckets = encodeBuckets(values);
  if (values.length > 0 && (values[values.length - 1] ?? 0) >= INT_LIMIT) return buckets;
  const packed = new ByteWriter(64);
  packed.writeByte(PACKED);
  packed.writeVarint(values.length);
  encodeInts(values, packed);
  const p = packed.finish();
  return p.length < buckets.length ? p : buckets;
}

export function decodeTimestamps(buf: Uint8Array): Float64Array {
  const input = new ByteReader(buf);
  const mode = input.readByte();
  const n = input.readVarint();
  if (n > 2 ** 28 || n > buf.length * 80) throw new CodecError(`timestamp count ${n} is implausible`);
  const out = new Float64Array(n);
  if (mode === PACKED) decodeInts(input, n, out, 1);
  else if (mode === BUCKETS) decodeBuckets(input, out);
  else throw new CodecError(`unknown timestamp mode ${mode}`);
  return out;
}

function validate(ts: Float64Array): void {
  let prev = -1;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i] ?? 0;
    if (!Number.isSafeInteger(t) || t <= prev) {
      throw new RangeError(
        `timestamps must be sorted, unique, non-negative safe integers (index ${i}: ${t})`,
      );
    }
    prev = t;
  }
}

/**
 * BUCKETS payload: first timestamp and first delta as varints, then one code per later timestamp.
 * Deltas of sorted non-negative safe integers lie in (0, 2^53), so delta-of-deltas lie in
 * (-2^53, 2^53): exact doubles; the escape bucket stores them as sign + 53-bit magnitude.
 */
function encodeBuckets(ts: Float64Array): Uint8Array {
  const n = ts.length;
  const out = new ByteWriter(16);
  out.writeByte(BUCKETS);
  out.writeVarint(n);
  if (n === 0) return out.finish();
  out.writeVarint(ts[0] ?? 0);
  if (n === 1) return out.finish();
  let delta = (ts[1] ?? 0) - (ts[0] ?? 0);
  out.writeVarint(delta);
  const bits = new BitWriter(n / 4 + 16);
  for (let i = 2; i < n; i++) {
    const d = (ts[i] ?? 0) - (ts[i - 1] ?? 0);
    writeBucket(bits, d - delta);
    delta = d;
  }
  out.writeBytes(bits.finish());
  return out.finish();
}

function writeBucket(bits: BitWriter, dod: number): void {
  if (dod === 0) {
    bits.write(0, 1);
    return;
  }
  const z = dod < 0 ? -2 * dod - 1 : 2 * dod;
  for (let b = 0; b < BUCKET_WIDTHS.length; b++) {
    const width = BUCKET_WIDTHS[b] ?? 0;
    if (z < 2 ** width) {
      // b+1 one-bits then a zero: (1 << (b+1)) - 1 written over b+2 bits.
      bits.write((1 << (b + 1)) - 1, b + 2);
      bits.write(z, width);
      return;
    }
  }
  bits.write(0x1f, 5);
  bits.write(dod < 0 ? 1 : 0, 1);
  bits.writeWide(Math.abs(dod), 53);
}

function decodeBuckets(input: ByteReader, out: Float64Array): void {
  const n = out.length;
  if (n === 0) return;
  let t = input.readVarint();
  out[0] = t;
  if (n === 1) return;
  let delta = input.readVarint();
  t += delta;
  out[1] = t;
  const bits = new BitReader(input.buf, input.offset);
  for (let i = 2; i < n; i++) {
    if (bits.readBit() !== 0) delta += readDod(bits);
    t += delta;
    out[i] = t;
  }
}

/** Reads a non-zero delta-of-delta after its first prefix bit. */
function readDod(bits: BitReader): number {
  for (let b = 0; b < BUCKET_WIDTHS.length; b++) {
    if (bits.readBit() === 0) {
      const z = bits.read(BUCKET_WIDTHS[b] ?? 1);
      return (z >>> 1) ^ -(z & 1);
    }
  }
  const negative = bits.readBit() === 1;
  const magnitude = bits.readWide(53);
  return negative ? -magnitude : magnitude;
}
