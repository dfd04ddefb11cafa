import { BitReader, BitWriter } from './bits.ts';
import { ByteReader, ByteWriter } from './bytes.ts';
import { CodecError } from './errors.ts';
import { wordsOf } from './float-words.ts';
import { readXorFloats, writeXorFloats } from './xor.ts';

/**
 * Plain Gorilla (Pelkonen et al., VLDB 2015) for one series: delta-of-delta timestamps in the paper's
 * buckets plus XOR floats. It exists only as the yardstick the benchmarks compare the column codecs
 * with; stored data never uses it. Departures from the paper, both needed for exact round trips of
 * millisecond data: the count, first timestamp and first delta are varints, and a delta-of-delta
 * outside int32 escapes to sign + 53 bits. The timestamp codes and XOR codes form two consecutive
 * runs of one bit stream, which costs exactly what interleaving them would.
 */
export function encodeGorilla(ts: readonly number[] | Float64Array, values: Float64Array): Uint8Array {
  const n = ts.length;
  if (values.length !== n) throw new RangeError('timestamps and values differ in length');
  const out = new ByteWriter(16);
  out.writeVarint(n);
  if (n === 0) return out.finish();
  out.writeVarint(ts[0] ?? 0);
  if (n > 1) out.writeVarint((ts[1] ?? 0) - (ts[0] ?? 0));
  const bits = new BitWriter(n * 2 + 16);
  for (let i = 2; i < n; i++) {
    // Two exact differences rather than t[i] - 2 t[i-1] + t[i-2], whose middle term can pass 2^53.
    writeDod(bits, (ts[i] ?? 0) - (ts[i - 1] ?? 0) - ((ts[i - 1] ?? 0) - (ts[i - 2] ?? 0)));
  }
  writeXorFloats(bits, wordsOf(values), n);
  out.writeBytes(bits.finish());
  return out.finish();
}

export function decodeGorilla(buf: Uint8Array): { timestamps: Float64Array; values: Float64Array } {
  const input = new ByteReader(buf);
  const n = input.readVarint();
  if (n > buf.length * 8) throw new CodecError(`sample count ${n} does not fit a ${buf.length}-byte block`);
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  if (n === 0) return { timestamps, values };
  let t = input.readVarint();
  timestamps[0] = t;
  let delta = n > 1 ? input.readVarint() : 0;
  const bits = new BitReader(buf, input.offset);
  for (let i = 1; i < n; i++) {
    if (i > 1) delta += readDod(bits);
    t += delta;
    timestamps[i] = t;
  }
  readXorFloats(bits, wordsOf(values), n);
  return { timestamps, values };
}

/** The paper's buckets: '0'; '10' + 7 bits for [-63, 64]; '110' + 9 for [-255, 256]; '1110' + 12 for [-2047, 2048]; '1111' + 32. */
const RANGES = [
  { low: -63, width: 7 },
  { low: -255, width: 9 },
  { low: -2047, width: 12 },
] as const;
const ESCAPE = 0x80000000;

function writeDod(bits: BitWriter, dod: number): void {
  if (dod === 0) {
    bits.write(0, 1);
    return;
  }
  for (let b = 0; b < RANGES.length; b++) {
    const { low, width } = RANGES[b] ?? RANGES[0];
    if (dod >= low && dod - low < 2 ** width) {
      bits.write((1 << (b + 1)) - 1, b + 2);
      bits.write(dod - low, width);
      return;
    }
  }
  bits.write(0xf, 4);
  if (dod > -ESCAPE && dod < ESCAPE) {
    bits.write(dod >>> 0, 32);
    return;
  }
  bits.write(ESCAPE, 32);
  bits.write(dod < 0 ? 1 : 0, 1);
  bits.writeWide(Math.abs(dod), 53);
}

function readDod(bits: BitReader): number {
  if (bits.readBit() === 0) return 0;
  for (let b = 0; b < RANGES.length; b++) {
    if (bits.readBit() === 0) {
      const { low, width } = RANGES[b] ?? RANGES[0];
      return bits.read(width) + low;
    }
  }
  const word = bits.read(32);
  if (word !== ESCAPE) return word | 0;
  const negative = bits.readBit() === 1;
  const magnitude = bits.readWide(53);
  return negative ? -magnitude : magnitude;
}
