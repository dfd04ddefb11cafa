/**
 * Prometheus' float chunk, encoding XOR (`Chunk.Encoding` 1; tsdb/chunkenc), written from its format
 * description: a 2-byte big-endian sample count, then a bit stream, most significant bit first.
 *
 * - sample 1: the timestamp as a signed (zigzag) varint, then the 64 bits of the float64 value;
 * - sample 2: the timestamp delta as an unsigned varint, then the value XOR-encoded (below);
 * - later samples: the delta of deltas, '0' for 0, else '10' + 14 bits, '110' + 17 bits, '1110' + 20
 *   bits or '1111' + 64 bits (two's complement within its bits; a bucket of n bits holds
 *   −(2^(n−1) − 1) … 2^(n−1)), then the value XOR-encoded.
 *
 * A value is XORed with the previous one: '0' when equal; else '1', then '0' + the meaningful bits when
 * they fit in the window (leading / trailing zero counts) of the last '11' control, or '11' + 5 bits of
 * leading zeros (at most 31) + 6 bits of significant-bit count (64 written as 0) + the bits, which sets
 * the window. Values are taken bitwise (NaN payloads, −0 and ±Inf keep their bits).
 *
 * The stream is laid out byte for byte as Prometheus lays it: bytes written whole (the varints, and the
 * whole bytes of a multiple-of-8 bit field) leave a fresh empty byte after them, so a chunk whose last
 * field ended on a byte boundary that way ends in one zero byte, as Prometheus' own chunks do.
 */

/** Samples per chunk, as Prometheus cuts them for remote read. */
export const SAMPLES_PER_CHUNK = 120;

/** The bit stream, written the way Prometheus' writer writes it (see the module comment). */
class BitWriter {
  private buf: Uint8Array;
  /** Bits written so far, after the 2-byte header. */
  private bits = 0;
  /** True when the last field was written whole bytes at a time (see the module comment). */
  private lastWasByte = false;

  constructor(capacity = 64) {
    this.buf = new Uint8Array(Math.max(8, capacity));
  }

  private ensure(bytes: number): void {
    if (bytes <= this.buf.length) return;
    const next = new Uint8Array(Math.max(bytes, this.buf.length * 2));
    next.set(this.buf);
    this.buf = next;
  }

  /** One bit; ORed in, the buffer is zero-filled. */
  bit(one: boolean): void {
    const byte = 2 + (this.bits >>> 3);
    this.ensure(byte + 1);
    if (one) this.buf[byte] = (this.buf[byte] as number) | (0x80 >>> (this.bits & 7));
    this.bits++;
    this.lastWasByte = false;
  }

  /** The low `n` (0…32) bits of `value`, most significant first, a byte's room at a time. */
  bits32(value: number, n: number): void {
    this.ensure(2 + ((this.bits + n) >>> 3) + 1);
    let left = n;
    while (left > 0) {
      const byte = 2 + (this.bits >>> 3);
      const room = 8 - (this.bits & 7);
      const take = Math.min(room, left);
      const chunk = (value >>> (left - take)) & ((1 << take) - 1);
      this.buf[byte] = (this.buf[byte] as number) | (chunk << (room - take));
      this.bits += take;
      left -= take;
    }
    // A field of n bits is written whole bytes first, its tail bit by bit.
    this.lastWasByte = n >= 8 && n % 8 === 0;
  }

  /** The low `n` (0…64) bits of the 64-bit value `hi:lo`. */
  bits64(hi: number, lo: number, n: number): void {
    if (n > 32) {
      this.bits32(hi, n - 32);
      this.bits32(lo, 32);
    } else {
      this.bits32(lo, n);
    }
    this.lastWasByte = n >= 8 && n % 8 === 0;
  }

  /** Whole bytes (varints), as written byte by byte. */
  bytes(list: readonly number[]): void {
    for (const b of list) this.bits32(b, 8);
    if (list.length > 0) this.lastWasByte = true;
  }

  /** The chunk: the header with `count`, then the stream. */
  finish(count: number): Uint8Array {
    const streamBytes = this.lastWasByte ? (this.bits >>> 3) + 1 : Math.ceil(this.bits / 8);
    this.ensure(2 + streamBytes);
    const out = this.buf.slice(0, 2 + streamBytes);
    out[0] = (count >>> 8) & 0xff;
    out[1] = count & 0xff;
    return out;
  }
}

/** Unsigned LEB128 of a non-negative integer up to 2^64 (exact for safe integers and powers of two). */
export function uvarintBytes(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/** Signed (zigzag) varint of a safe integer. */
export function varintBytes(value: number): number[] {
  return uvarintBytes(value >= 0 ? value * 2 : -value * 2 - 1);
}

const TWO_32 = 2 ** 32;

/** A bucket of n bits holds −(2^(n−1) − 1) … 2^(n−1), as Prometheus' reader reads it back. */
function fits(dod: number, n: number): boolean {
  const half = 2 ** (n - 1);
  return dod >= -(half - 1) && dod <= half;
}

function clz64(hi: number, lo: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

function ctz64(hi: number, lo: number): number {
  return lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
}

/** `hi:lo >>> n` for 0 ≤ n < 64, as [hi, lo]. */
function shiftRight(hi: number, lo: number, n: number): [number, number] {
  if (n === 0) return [hi, lo];
  if (n >= 32) return [0, hi >>> (n - 32)];
  return [hi >>> n, ((lo >>> n) | (hi << (32 - n))) >>> 0];
}

/**
 * One XOR chunk of `timestamps` (strictly increasing integer ms) and `values`, positions [from, to).
 * At most 65535 samples (the header's count); remote read cuts chunks at `SAMPLES_PER_CHUNK`.
 */
export function encodeXorChunk(
  timestamps: ArrayLike<number>,
  values: Float64Array,
  from = 0,
  to = timestamps.length,
): Uint8Array {
  const count = to - from;
  if (count < 0 || count > 0xffff) throw new RangeError(`an XOR chunk holds 0…65535 samples, not ${count}`);
  const w = new BitWriter(2 + count * 3);
  const view = new DataView(values.buffer, values.byteOffset, values.byteLength);
  let prevT = 0;
  let prevDelta = 0;
  let prevHi = 0;
  let prevLo = 0;
  // The window of the last '11' control; none yet.
  let leading = -1;
  let trailing = 0;
  for (let k = from; k < to; k++) {
    const t = timestamps[k] as number;
    const hi = view.getUint32(k * 8 + 4, true);
    const lo = view.getUint32(k * 8, true);
    const n = k - from;
    if (n === 0) {
      w.bytes(varintBytes(t));
      w.bits64(hi, lo, 64);
    } else {
      const delta = t - prevT;
      if (n === 1) {
        w.bytes(uvarintBytes(delta));
      } else {
        const dod = delta - prevDelta;
        if (dod === 0) w.bit(false);
        else if (fits(dod, 14)) {
          w.bits32(0b10, 2);
          w.bits32(dod & 0x3fff, 14);
        } else if (fits(dod, 17)) {
          w.bits32(0b110, 3);
          w.bits32(dod & 0x1ffff, 17);
        } else if (fits(dod, 20)) {
          w.bits32(0b1110, 4);
          w.bits32(dod & 0xfffff, 20);
        } else {
          w.bits32(0b1111, 4);
          const dhi = Math.floor(dod / TWO_32);
          w.bits64(dhi >>> 0, (dod - dhi * TWO_32) >>> 0, 64);
        }
      }
      prevDelta = delta;
      // The value, XORed with the previous one.
      const xhi = (hi ^ prevHi) >>> 0;
      const xlo = (lo ^ prevLo) >>> 0;
      if (xhi === 0 && xlo === 0) {
        w.bit(false);
      } else {
        w.bit(true);
        const lead = Math.min(31, clz64(xhi, xlo));
        const trail = ctz64(xhi, xlo);
        if (leading >= 0 && lead >= leading && trail >= trailing) {
          w.bit(false);
          const [shi, slo] = shiftRight(xhi, xlo, trailing);
          w.bits64(shi, slo, 64 - leading - trailing);
        } else {
          leading = lead;
          trailing = trail;
          const sig = 64 - lead - trail;
          w.bit(true);
          w.bits32(lead, 5);
          w.bits32(sig & 63, 6);
          const [shi, slo] = shiftRight(xhi, xlo, trail);
          w.bits64(shi, slo, sig);
        }
      }
    }
    prevT = t;
    prevHi = hi;
    prevLo = lo;
  }
  return w.finish(count);
}

export interface XorChunk {
  readonly minTimeMs: number;
  readonly maxTimeMs: number;
  readonly data: Uint8Array;
}

/** The points as XOR chunks of at most `perChunk` samples, oldest first. */
export function xorChunks(
  timestamps: Float64Array,
  values: Float64Array,
  perChunk = SAMPLES_PER_CHUNK,
): XorChunk[] {
  const out: XorChunk[] = [];
  for (let from = 0; from < timestamps.length; from += perChunk) {
    const to = Math.min(timestamps.length, from + perChunk);
    out.push({
      minTimeMs: timestamps[from] as number,
      maxTimeMs: timestamps[to - 1] as number,
      data: encodeXorChunk(timestamps, values, from, to),
    });
  }
  return out;
}
