import { CodecError } from './errors.ts';

/** Growable byte buffer for the byte-aligned parts of a format (headers, varints, raw doubles). */
export class ByteWriter {
  private buf: Uint8Array;
  private len = 0;

  // No DataView: making one of a small (on-heap) array moves its bytes off the heap, which cost more
  // than the few bytes most writers write.
  constructor(capacity = 64) {
    this.buf = new Uint8Array(capacity);
  }

  get length(): number {
    return this.len;
  }

  writeByte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  /**
   * Unsigned LEB128 of a non-negative safe integer. Uses division rather than `>>>` so values past
   * 2^32 (timestamps, byte counters) survive.
   */
  writeVarint(v: number): void {
    // A value below 2^53 needs at most 8 groups of 7 bits.
    this.reserve(8);
    let x = v;
    while (x >= 0x80) {
      this.buf[this.len++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buf[this.len++] = x;
  }

  /** Zig-zag varint; callers guarantee |v| < 2^52 so that 2|v| stays an exact double. */
  writeSignedVarint(v: number): void {
    this.writeVarint(v < 0 ? -2 * v - 1 : 2 * v);
  }

  writeUint32(v: number): void {
    this.reserve(4);
    const at = this.len;
    this.buf[at] = v & 0xff;
    this.buf[at + 1] = (v >>> 8) & 0xff;
    this.buf[at + 2] = (v >>> 16) & 0xff;
    this.buf[at + 3] = v >>> 24;
    this.len = at + 4;
  }

  writeBytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  private reserve(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + extra));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

/** Cursor over the byte-aligned parts of a buffer; every read is bounds-checked. */
export class ByteReader {
  readonly buf: Uint8Array;
  /** Made on the first `readUint32`: most readers never need it, and a 30-day read makes thousands. */
  private view: DataView | undefined;
  offset: number;

  /**
   * A Node Buffer is read through a plain Uint8Array view of its bytes: `readBytes` slices are then
   * plain views too, which cost a fraction of a Buffer's `subarray` (the Buffer constructor path).
   */
  constructor(buf: Uint8Array, offset = 0) {
    this.buf = Buffer.isBuffer(buf) ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : buf;
    this.offset = offset;
  }

  readByte(): number {
    const b = this.buf[this.offset];
    if (b === undefined) throw new CodecError('unexpected end of buffer');
    this.offset++;
    return b;
  }

  readVarint(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.readByte();
      result += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 0x80;
      if (mul > 2 ** 56) throw new CodecError('varint too long');
    }
    if (!Number.isSafeInteger(result)) throw new CodecError('varint out of range');
    return result;
  }

  readSignedVarint(): number {
    const z = this.readVarint();
    return z % 2 === 1 ? -(z + 1) / 2 : z / 2;
  }

  readUint32(): number {
    if (this.offset + 4 > this.buf.length) throw new CodecError('unexpected end of buffer');
    this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  /** Moves past `n` bytes without making a view of them. */
  skip(n: number): void {
    if (this.offset + n > this.buf.length) throw new CodecError('unexpected end of buffer');
    this.offset += n;
  }

  readBytes(n: number): Uint8Array {
    if (this.offset + n > this.buf.length) throw new CodecError('unexpected end of buffer');
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}
