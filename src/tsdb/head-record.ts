import { ByteReader, ByteWriter } from './codec/bytes.ts';
import { CodecError } from './codec/index.ts';
import type { Points } from './points.ts';
import { sliced } from './slices.ts';
import {
  decodeRawColumn,
  decodeWindowTimestamps,
  encodeRawColumn,
  encodeWindowTimestamps,
} from './window-format.ts';

/**
 * Head records: what the writer APPENDs to a host's open window. One record holds groups of samples
 * sharing a timestamp (an agent snapshot is one group):
 *
 *   u8 0xA1 · varint groups · groups × (varint timestamp ms · varint n · n × (varint seriesId · f64 LE value))
 *
 * APPEND is atomic, so records of several writers interleave whole and never tear. A record appended
 * twice (a replayed command) decodes to the same (series, timestamp, value) twice; readers de-duplicate.
 *
 * A head may also hold compacted blocks (seal/compact.ts replaces a head's records with one, under the
 * host's seal lock, while the window is open):
 *
 *   u8 0xA2 · varint payload length · payload
 *   payload: varint n · encodeWindowTimestamps(every timestamp of the block) (n bytes)
 *            · varint series · series × (varint id · varint len · encodeRawColumn (len bytes))
 *
 * the sealed windows' column format, so a block costs what a sealed window does. Its samples count as
 * appended before the records that follow it (a later record still wins a repeated timestamp).
 */
const MAGIC = 0xa1;
const BLOCK = 0xa2;

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
  const push = (id: number, timestamp: number, value: number): void => {
    if (n + 1 > cap) {
      cap = cap * 2;
      ({ ids, ts, vals } = grow(ids, ts, vals, cap, n));
    }
    ids[n] = id;
    ts[n] = timestamp;
    vals[n] = value;
    n++;
  };
  while (pos < buf.length) {
    const marker = buf[pos++];
    if (marker === BLOCK) {
      const length = varint();
      if (pos + length > buf.length) throw new CodecError('head block truncated');
      readBlock(buf.subarray(pos, pos + length), only, push);
      pos += length;
      continue;
    }
    if (marker !== MAGIC) throw new CodecError(`bad head record marker at byte ${pos - 1}`);
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

function readBlock(
  payload: Uint8Array,
  only: ReadonlySet<number> | undefined,
  push: (id: number, timestamp: number, value: number) => void,
): void {
  const input = new ByteReader(payload);
  const timestamps = decodeWindowTimestamps(input.readBytes(input.readVarint()));
  const series = input.readVarint();
  for (let s = 0; s < series; s++) {
    const id = input.readVarint();
    const column = input.readBytes(input.readVarint());
    if (only && !only.has(id)) continue;
    const points = decodeRawColumn(timestamps, column);
    for (let i = 0; i < points.timestamps.length; i++)
      push(id, points.timestamps[i] as number, points.values[i] as number);
  }
  if (input.offset !== payload.length) throw new CodecError('head block has trailing bytes');
}

/**
 * One compacted block of the given points (per series id, sorted and de-duplicated, as
 * `pointsBySeries` gives them): the records it replaces, at the sealed windows' density.
 */
export async function encodeHeadBlock(series: ReadonlyMap<number, Points>): Promise<Buffer> {
  const all = new Set<number>();
  for (const points of series.values()) for (const t of points.timestamps) all.add(t);
  const timestamps = Float64Array.from(all).sort();
  const payload = new ByteWriter(1024);
  const t = encodeWindowTimestamps(timestamps);
  payload.writeVarint(t.length);
  payload.writeBytes(t);
  const ids = [...series.keys()].sort((a, b) => a - b);
  payload.writeVarint(ids.length);
  const breathe = sliced();
  for (const id of ids) {
    await breathe();
    const column = encodeRawColumn(timestamps, series.get(id) as Points);
    payload.writeVarint(id);
    payload.writeVarint(column.length);
    payload.writeBytes(column);
  }
  const body = payload.finish();
  const out = new ByteWriter(body.length + 8);
  out.writeByte(BLOCK);
  out.writeVarint(body.length);
  out.writeBytes(body);
  const bytes = out.finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Bytes of the compacted block a head starts with (0 when it starts with a record), from its first
 * bytes (16 suffice); undefined when they are not a head's.
 */
export function leadingBlockBytes(prefix: Uint8Array): number | undefined {
  if (prefix.length === 0 || prefix[0] === MAGIC) return 0;
  if (prefix[0] !== BLOCK) return undefined;
  let length = 0;
  let mul = 1;
  for (let i = 1; i < prefix.length; i++) {
    const b = prefix[i] as number;
    length += (b & 0x7f) * mul;
    if (b < 0x80) return i + 1 + length;
    mul *= 0x80;
  }
  return undefined;
}

function grow(ids: Uint32Array, ts: Float64Array, vals: Float64Array, cap: number, n: number) {
  const next = { ids: new Uint32Array(cap), ts: new Float64Array(cap), vals: new Float64Array(cap) };
  next.ids.set(ids.subarray(0, n));
  next.ts.set(ts.subarray(0, n));
  next.vals.set(vals.subarray(0, n));
  return next;
}
