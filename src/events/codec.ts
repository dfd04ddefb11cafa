import type { EventType } from './contract.ts';
import { type EventMeta, StoredEvent } from './record.ts';

/**
 * The packed block format: one Redis STRING per org, type and hour holds binary batches appended by
 * the writers. A batch is
 *
 *   u8 0xE1 · 6 bytes process id · varint count · count × record
 *
 * and a record is
 *
 *   u8 flags (1 error, 2 latency, 4 message, 8 meta) · varint (at − window start) · varint seq
 *   · [varint latency in µs] · [varint length · UTF-8 message] · [varint length · UTF-8 meta JSON]
 *
 * Org and type are in the key, the process id once per batch, times as offsets within the hour: an
 * event without message costs 8–10 bytes. Varints are LEB128 done with arithmetic (values up to 2^53).
 */
const MAGIC = 0xe1;
const PROC_BYTES = 6;
const F_ERROR = 1;
const F_LATENCY = 2;
const F_MESSAGE = 4;
const F_META = 8;

export class BlockFormatError extends Error {
  override name = 'BlockFormatError';
}

class Out {
  buf = Buffer.allocUnsafe(256);
  len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  byte(v: number): void {
    this.room(1);
    this.buf[this.len++] = v;
  }

  varint(value: number): void {
    this.room(8);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  text(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n);
    this.room(n);
    this.len += this.buf.write(s, this.len, 'utf8');
  }

  hex(s: string): void {
    this.room(PROC_BYTES);
    this.len += this.buf.write(s, this.len, PROC_BYTES, 'hex');
  }
}

/** One batch of events of one org, type and window (all from this process), packed. */
export function encodeBatch(events: readonly StoredEvent[], windowStart: number, proc: string): Buffer {
  const out = new Out();
  out.byte(MAGIC);
  out.hex(proc);
  out.varint(events.length);
  for (const e of events) {
    const message = e.message;
    const meta = e.meta;
    const flags =
      (e.isError ? F_ERROR : 0) |
      (e.latencyMs !== undefined ? F_LATENCY : 0) |
      (message !== undefined ? F_MESSAGE : 0) |
      (meta !== undefined ? F_META : 0);
    out.byte(flags);
    out.varint(e.at - windowStart);
    out.varint(e.seq);
    if (e.latencyMs !== undefined) out.varint(Math.round(e.latencyMs * 1000));
    if (message !== undefined) out.text(message);
    if (meta !== undefined) out.text(JSON.stringify(meta));
  }
  return out.buf.subarray(0, out.len);
}

class In {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  byte(): number {
    const b = this.buf[this.pos++];
    if (b === undefined) throw new BlockFormatError('block ends inside a record');
    return b;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
  }

  text(): string {
    const n = this.varint();
    if (this.pos + n > this.buf.length) throw new BlockFormatError('block ends inside a text');
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  hex(): string {
    if (this.pos + PROC_BYTES > this.buf.length) throw new BlockFormatError('block ends inside a header');
    const s = this.buf.toString('hex', this.pos, this.pos + PROC_BYTES);
    this.pos += PROC_BYTES;
    return s;
  }
}

/** Every event of a block, in the order the batches were appended (not sorted). */
export function decodeBlock(block: Buffer, org: string, type: EventType, windowStart: number): StoredEvent[] {
  const input = new In(block);
  const events: StoredEvent[] = [];
  while (input.pos < block.length) {
    if (input.byte() !== MAGIC) throw new BlockFormatError(`no batch header at byte ${input.pos - 1}`);
    const proc = input.hex();
    const count = input.varint();
    for (let i = 0; i < count; i++) events.push(decodeRecord(input, org, type, windowStart, proc));
  }
  return events;
}

function decodeRecord(
  input: In,
  org: string,
  type: EventType,
  windowStart: number,
  proc: string,
): StoredEvent {
  const flags = input.byte();
  const at = windowStart + input.varint();
  const seq = input.varint();
  const latencyMs = flags & F_LATENCY ? input.varint() / 1000 : undefined;
  const message = flags & F_MESSAGE ? input.text() : undefined;
  const meta = flags & F_META ? (JSON.parse(input.text()) as EventMeta) : undefined;
  const status = flags & F_ERROR ? 'error' : 'ok';
  return new StoredEvent(org, type, status, at, seq, proc, latencyMs, message, meta, true);
}
