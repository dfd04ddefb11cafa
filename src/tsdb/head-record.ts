import { CodecError } from './codec/index.ts';

/**
 * Head records: what the writer APPENDs to a host's open window. One record holds groups of samples
 * sharing a timestamp (an agent snapshot is one group):
 *
 *   u8 0xA1 · varint groups · groups × (varint timestamp ms · varint n · n × (varint seriesId · f64 LE value))
 *
 * APPEND is atomic, so records of several writers interleave whole and never tear. A record appended
 * twice (a replayed command) decodes to the same (series, timestamp, value) twice; readers de-duplicate.
 */
const MAGIC = 0xa1;

export class HeadRecordWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;
  private groups = 0;

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
    this.reset();
  }

  reset(): void {
    this.len = 0;
    this.groups = 0;
    // Room for the magic byte and a 5-byte group count patched in by finish().
    this.len = 6;
  }

  get isEmpty(): boolean {
    return this.groups === 0;
  }

  /** Adds one group: `count` samples at `timestamp`, ids and values read from the given offset. */
  addGroup(
    timestamp: number,
    ids: ArrayLike<number>,
    values: ArrayLike<number>,
    from = 0,
    count = ids.length - from,
  ): void {
    this.reserve(20 + count * 14);
    this.varint(timestamp);
    this.varint(count);
    for (let i = from; i < from + count; i++) {
      this.varint(ids[i] as number);
      this.view.setFloat64(this.len, values[i] as number, true);
      this.len += 8;
    }
    this.groups += 1;
  }

  /** The finished record (a copy); the writer can be reused after `reset()`. */
  finish(): Buffer {
    const header = new Uint8Array(6);
    header[0] = MAGIC;
    let n = 1;
    let g = this.groups;
    while (g >= 0x80) {
      header[n++] = (g & 0x7f) | 0x80;
      g >>>= 7;
    }
    header[n++] = g;
    const out = Buffer.allocUnsafe(n + this.len - 6);
    out.set(header.subarray(0, n), 0);
    out.set(this.buf.subarray(6, this.len), n);
    return out;
  }

  private varint(v: number): void {
    let x = v;
    while (x >= 0x80) {
      this.buf[this.len++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buf[this.len++] = x;
  }

  private reserve(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + extra));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}

/** Every sample of a head in append order, as parallel columns. */
export interface HeadSamples {
  readonly ids: Uint32Array;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  readonly length: number;
}

/**
 * Decodes a whole head (any number of concatenated records). Throws CodecError on a malformed one.
 * With `only`, samples of other series are skipped as they are read: a query for one series of a
 * host does not pay for storing the other thirty.
 */
export function decodeHead(buf: Uint8Array, only?: ReadonlySet<number>): HeadSamples {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let cap = only ? 1024 : Math.max(16, Math.ceil(buf.length / 9));
  let ids = new Uint32Array(cap);
  let ts = new Float64Array(cap);
  let vals = new Float64Array(cap);
  let n = 0;
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = buf[pos++];
      if (b === undefined) throw new CodecError('head record truncated');
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 0x80;
    }
  };
  while (pos < buf.length) {
    if (buf[pos++] !== MAGIC) throw new CodecError(`bad head record marker at byte ${pos - 1}`);
    const groups = varint();
    for (let g = 0; g < groups; g++) {
      const timestamp = varint();
      const count = varint();
      if (n + count > cap) {
        cap = Math.max(cap * 2, n + count);
        ({ ids, ts, vals } = grow(ids, ts, vals, cap, n));
      }
      for (let i = 0; i < count; i++) {
        const id = varint();
        if (pos + 8 > buf.length) throw new CodecError('head record truncated');
        if (only && !only.has(id)) {
          pos += 8;
          continue;
        }
        ids[n] = id;
        vals[n] = view.getFloat64(pos, true);
        pos += 8;
        ts[n] = timestamp;
        n++;
      }
    }
  }
  return { ids: ids.subarray(0, n), timestamps: ts.subarray(0, n), values: vals.subarray(0, n), length: n };
}

function grow(ids: Uint32Array, ts: Float64Array, vals: Float64Array, cap: number, n: number) {
  const next = { ids: new Uint32Array(cap), ts: new Float64Array(cap), vals: new Float64Array(cap) };
  next.ids.set(ids.subarray(0, n));
  next.ts.set(ts.subarray(0, n));
  next.vals.set(vals.subarray(0, n));
  return next;
}
