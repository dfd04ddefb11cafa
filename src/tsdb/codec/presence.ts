import { ByteReader, ByteWriter } from './bytes.ts';
import { CodecError } from './errors.ts';

/** Presence layouts (first byte). */
const ALL = 0;
const NONE = 1;
const RUNS = 2;
const BITMAP = 3;

/**
 * Encodes which of a window's N shared timestamps a series has (`present[i]` non-zero = has a value).
 * All present, the usual case, is one byte; otherwise the smaller of alternating run lengths (varints,
 * starting with a run of present positions that may be empty; the last run is implied by N) and a
 * plain bitmap, which bounds the worst case at N/8 bytes.
 */
export function encodePresence(present: Uint8Array): Uint8Array {
  const n = present.length;
  let count = 0;
  for (let i = 0; i < n; i++) if (present[i] !== 0) count++;
  if (count === n) return Uint8Array.of(ALL);
  if (count === 0) return Uint8Array.of(NONE);
  const runs = encodeRuns(present);
  return runs.length <= 1 + Math.ceil(n / 8) ? runs : encodeBitmap(present);
}

/** True when the encoded mask says every position is present (one byte): callers can skip decoding. */
export function allPresent(buf: Uint8Array): boolean {
  return buf.length === 1 && buf[0] === ALL;
}

/** Decodes a mask of `n` positions (0 or 1 each); `n` is the window's timestamp count. */
export function decodePresence(buf: Uint8Array, n: number): Uint8Array {
  const input = new ByteReader(buf);
  const kind = input.readByte();
  const out = new Uint8Array(n);
  switch (kind) {
    case ALL:
      out.fill(1);
      break;
    case NONE:
      break;
    case RUNS:
      decodeRuns(input, out);
      break;
    case BITMAP: {
      const bytes = input.readBytes(Math.ceil(n / 8));
      for (let i = 0; i < n; i++) out[i] = ((bytes[i >> 3] ?? 0) >> (i & 7)) & 1;
      break;
    }
    default:
      throw new CodecError(`unknown presence layout ${kind}`);
  }
  return out;
}

/** Number of present positions in a mask: the length of the series' value column. */
export function countPresent(present: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < present.length; i++) if (present[i] !== 0) count++;
  return count;
}

function encodeRuns(present: Uint8Array): Uint8Array {
  const out = new ByteWriter(16);
  out.writeByte(RUNS);
  let want = true;
  let run = 0;
  for (let i = 0; i < present.length; i++) {
    if ((present[i] !== 0) === want) {
      run++;
      continue;
    }
    out.writeVarint(run);
    want = !want;
    run = 1;
  }
  return out.finish();
}

function decodeRuns(input: ByteReader, out: Uint8Array): void {
  let pos = 0;
  let value = 1;
  while (input.offset < input.buf.length) {
    const run = input.readVarint();
    if (pos + run > out.length) throw new CodecError('presence runs exceed the window');
    if (value === 1) out.fill(1, pos, pos + run);
    pos += run;
    value ^= 1;
  }
  if (value === 1) out.fill(1, pos);
}

function encodeBitmap(present: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + Math.ceil(present.length / 8));
  out[0] = BITMAP;
  for (let i = 0; i < present.length; i++) {
    if (present[i] !== 0) out[1 + (i >> 3)] = (out[1 + (i >> 3)] ?? 0) | (1 << (i & 7));
  }
  return out;
}
