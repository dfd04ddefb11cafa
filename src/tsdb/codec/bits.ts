import { CodecError } from './errors.ts';

const TWO_POW_32 = 0x1_0000_0000;

/**
 * Writes bit fields least-significant-bit first into 32-bit little-endian words. LSB-first lets the
 * reader extract a field with one shift and one mask, the cheapest form for JS's 32-bit bit ops.
 */
export class BitWriter {
  private buf: Uint8Array;
  private len = 0;
  private acc = 0;
  private fill = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  /** Bits written so far. */
  get bitLength(): number {
    return this.len * 8 + this.fill;
  }

  /** Writes the low `width` bits of `v` (0 ≤ width ≤ 32, 0 ≤ v < 2^width). */
  write(v: number, width: number): void {
    if (width === 0) return;
    const free = 32 - this.fill;
    if (width < free) {
      this.acc = (this.acc | (v << this.fill)) >>> 0;
      this.fill += width;
      return;
    }
    this.pushWord((this.acc | (v << this.fill)) >>> 0);
    // `x >>> 32` is `x` in JS, so a field that exactly fills a fresh word leaves nothing behind.
    this.acc = free === 32 ? 0 : v >>> free;
    this.fill = width - free;
  }

  /** Writes a field of up to 53 bits (non-negative safe integer below 2^width). */
  writeWide(v: number, width: number): void {
    if (width <= 32) {
      this.write(v, width);
      return;
    }
    const hi = Math.floor(v / TWO_POW_32);
    this.write(v - hi * TWO_POW_32, 32);
    this.write(hi, width - 32);
  }

  /** Flushes the partial word; the output is padded only to the next byte, not the next word. */
  finish(): Uint8Array {
    const tailBytes = (this.fill + 7) >> 3;
    this.reserve(4);
    this.putWord(this.acc);
    return this.buf.slice(0, this.len + tailBytes);
  }

  private pushWord(word: number): void {
    this.reserve(4);
    this.putWord(word);
    this.len += 4;
  }

  /** The word at `len`, little-endian (byte stores: no DataView to keep in step with the buffer). */
  private putWord(word: number): void {
    const at = this.len;
    this.buf[at] = word & 0xff;
    this.buf[at + 1] = (word >>> 8) & 0xff;
    this.buf[at + 2] = (word >>> 16) & 0xff;
    this.buf[at + 3] = word >>> 24;
  }

  private reserve(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const next = new Uint8Array(this.buf.length * 2 + extra);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

/**
 * Reads what BitWriter wrote, starting at a byte offset and running to the end of the buffer.
 * Reading past the last byte throws; the zero padding of the final byte reads as zeros.
 */
export class BitReader {
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  private pos: number;
  private cur = 0;
  private avail = 0;

  constructor(buf: Uint8Array, byteOffset = 0) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = byteOffset;
  }

  /** Reads a field of 1..32 bits as an unsigned number. */
  read(width: number): number {
    const avail = this.avail;
    if (width <= avail) {
      const v = (this.cur & (0xffffffff >>> (32 - width))) >>> 0;
      this.cur = width === 32 ? 0 : this.cur >>> width;
      this.avail = avail - width;
      return v;
    }
    const next = this.load();
    const need = width - avail;
    const v = (this.cur | (next << avail)) & (0xffffffff >>> (32 - width));
    this.cur = need === 32 ? 0 : next >>> need;
    this.avail = 32 - need;
    return v >>> 0;
  }

  /**
   * Reads `len` fields of `width` (1..32) bits into out[0..len). This is the hot loop of block
   * decoding; the reader's state lives in locals here so it is not stored back after every field.
   */
  readMany(out: Uint32Array, len: number, width: number): void {
    const mask = 0xffffffff >>> (32 - width);
    let cur = this.cur;
    let avail = this.avail;
    for (let j = 0; j < len; j++) {
      if (width <= avail) {
        out[j] = cur & mask;
        cur = width === 32 ? 0 : cur >>> width;
        avail -= width;
      } else {
        const next = this.load();
        const need = width - avail;
        out[j] = (cur | (next << avail)) & mask;
        cur = need === 32 ? 0 : next >>> need;
        avail = 32 - need;
      }
    }
    this.cur = cur;
    this.avail = avail;
  }

  /**
   * Reads `len` flagged fields into out[0..len): a flag bit, then `wide` bits after a 1 or `narrow`
   * bits after a 0 (widths ≤ 32; a 0-bit field reads as 0). `readMany`'s loop for blocks of two widths.
   */
  readFlagged(out: Uint32Array, len: number, wide: number, narrow: number): void {
    let cur = this.cur;
    let avail = this.avail;
    for (let j = 0; j < len; j++) {
      if (avail === 0) {
        cur = this.load();
        avail = 32;
      }
      const width = (cur & 1) === 1 ? wide : narrow;
      cur >>>= 1;
      avail--;
      if (width === 0) {
        out[j] = 0;
      } else if (width <= avail) {
        out[j] = cur & (0xffffffff >>> (32 - width));
        cur = width === 32 ? 0 : cur >>> width;
        avail -= width;
      } else {
        const next = this.load();
        const need = width - avail;
        out[j] = (cur | (next << avail)) & (0xffffffff >>> (32 - width));
        cur = need === 32 ? 0 : next >>> need;
        avail = 32 - need;
      }
    }
    this.cur = cur;
    this.avail = avail;
  }

  readBit(): number {
    if (this.avail === 0) {
      this.cur = this.load();
      this.avail = 32;
    }
    const v = this.cur & 1;
    this.cur >>>= 1;
    this.avail--;
    return v;
  }

  /** Reads a field of 0..53 bits. */
  readWide(width: number): number {
    if (width <= 32) return width === 0 ? 0 : this.read(width);
    const lo = this.read(32);
    return this.read(width - 32) * TWO_POW_32 + lo;
  }

  private load(): number {
    const pos = this.pos;
    this.pos = pos + 4;
    if (pos + 4 <= this.buf.length) return this.view.getUint32(pos, true);
    if (pos >= this.buf.length) throw new CodecError('bit stream ended early');
    let word = 0;
    for (let i = this.buf.length - 1; i >= pos; i--) word = (word << 8) | (this.buf[i] ?? 0);
    return word >>> 0;
  }
}
