/**
 * Readers for tests: an XOR chunk decoder and a frame reader, written from the format description
 * independently of the encoder (so a round trip checks the encoder against the format, not itself).
 */
import { crc32c } from './frame.ts';

class BitReader {
  private pos = 0;
  constructor(
    private readonly bytes: Uint8Array,
    startByte: number,
  ) {
    this.pos = startByte * 8;
  }

  bit(): number {
    const byte = this.bytes[this.pos >>> 3];
    if (byte === undefined) throw new Error('read past the end of the chunk');
    const b = (byte >>> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }

  /** `n` bits as a BigInt (unsigned). */
  bits(n: number): bigint {
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 1n) | BigInt(this.bit());
    return v;
  }

  byte(): number {
    return Number(this.bits(8));
  }

  uvarint(): bigint {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
      shift += 7n;
    }
  }

  varint(): bigint {
    const u = this.uvarint();
    return u & 1n ? -(u >> 1n) - 1n : u >> 1n;
  }
}

/** A bucket of n bits read back: above 2^(n−1) it is negative; the 64-bit one is plain two's complement. */
function toSigned(v: bigint, n: number): bigint {
  if (n === 64) return BigInt.asIntN(64, v);
  return v > 1n << BigInt(n - 1) ? v - (1n << BigInt(n)) : v;
}

export interface DecodedChunk {
  readonly timestamps: number[];
  /** The raw 64 bits of each value. */
  readonly bits: bigint[];
  readonly values: Float64Array;
}

/** Decodes an XOR chunk (2-byte count, then the bit stream). */
export function decodeXorChunk(data: Uint8Array): DecodedChunk {
  const count = ((data[0] ?? 0) << 8) | (data[1] ?? 0);
  const r = new BitReader(data, 2);
  const timestamps: number[] = [];
  const bits: bigint[] = [];
  let t = 0n;
  let delta = 0n;
  let v = 0n;
  let leading = 0;
  let trailing = 0;
  for (let n = 0; n < count; n++) {
    if (n === 0) {
      t = r.varint();
      v = r.bits(64);
    } else {
      if (n === 1) {
        delta = r.uvarint();
      } else {
        let dod = 0n;
        if (r.bit() === 1) {
          let size = 14;
          if (r.bit() === 1) {
            size = 17;
            if (r.bit() === 1) {
              size = 20;
              if (r.bit() === 1) size = 64;
            }
          }
          // The bucket's bits, two's complement; 2^(n−1) itself stands for the positive value.
          dod = toSigned(r.bits(size), size);
        }
        delta += dod;
      }
      t += delta;
      if (r.bit() === 1) {
        if (r.bit() === 1) {
          leading = Number(r.bits(5));
          let sig = Number(r.bits(6));
          if (sig === 0) sig = 64;
          trailing = 64 - leading - sig;
        }
        const sig = 64 - leading - trailing;
        v ^= r.bits(sig) << BigInt(trailing);
      }
    }
    timestamps.push(Number(t));
    bits.push(v);
  }
  const values = new Float64Array(bits.length);
  const view = new DataView(values.buffer);
  bits.forEach((b, i) => {
    view.setBigUint64(i * 8, b, true);
  });
  return { timestamps, bits, values };
}

/** The messages of a STREAMED_XOR_CHUNKS body; throws on a bad length or CRC. */
export function readFrames(body: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < body.length) {
    let length = 0;
    let scale = 1;
    for (;;) {
      const b = body[at++];
      if (b === undefined) throw new Error('frame length cut short');
      length += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 128;
    }
    if (at + 4 + length > body.length) throw new Error('frame cut short');
    const crc = new DataView(body.buffer, body.byteOffset + at, 4).getUint32(0, false);
    const message = body.subarray(at + 4, at + 4 + length);
    if (crc32c(message) !== crc) throw new Error(`frame CRC mismatch at byte ${at}`);
    out.push(message);
    at += 4 + length;
  }
  return out;
}

/** The 64 bits of a float64, as a BigInt. */
export function float64Bits(value: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getBigUint64(0);
}
