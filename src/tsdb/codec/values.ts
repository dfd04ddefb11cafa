import { type Float64Arena, float64s } from './arena.ts';
import { BitReader, BitWriter } from './bits.ts';
import { ByteReader, ByteWriter } from './bytes.ts';
import {
  addUlps,
  MAX_SCALE,
  NEAR_MAX_ULPS,
  type NearColumn,
  nearColumn,
  POW10,
  type ScaledColumn,
  scaledCandidates,
  smallestScale,
} from './decimal.ts';
import { CodecError } from './errors.ts';
import { HI, LO, wordsOf } from './float-words.ts';
import { encodeInts } from './ints.ts';
import { decodeInts } from './ints-decode.ts';
import { readXorFloats, writeXorFloats } from './xor.ts';

/** Value column modes, in the low 3 bits of the header byte. */
export const ValueMode = {
  /** Every value has the same bit pattern: 8 raw bytes follow the count. */
  constant: 0,
  /**
   * Values are k-decimals (k in header bits 3..5), bar a few patched exceptions (bit 6): scaled
   * integers via encodeInts.
   */
  decimal: 1,
  /** Gorilla XOR of the doubles. */
  xor: 2,
  /** 8 raw little-endian bytes per value: the ceiling for data nothing else compresses. */
  raw: 3,
  /**
   * Format 2: the decimal mode for 8..15 decimals (scale − 8 in header bits 3..5; patched bit 6).
   * Columns of format 1 never use it, so they read unchanged; a format-1 reader refuses these.
   */
  decimalWide: 4,
  /**
   * Format 3: every value is the same k-decimal (k in header bits 3..5, 0..7): its scaled integer
   * follows as a zig-zag varint (1–3 bytes for the zeros, counts and small gauges that make most
   * constant columns, against 8). Format-2 readers refuse it; constant columns of formats 1 and 2
   * (mode 0) read unchanged.
   */
  constantDecimal: 5,
  /**
   * Format 3: near decimals (`decimal.ts` nearColumn): a scale byte (0..15) after the count, the
   * patches as in the decimal modes (bit 6), the scaled integers (a varint length, then encodeInts),
   * then per value its distance in ulps from `int / 10^scale` (encodeInts, to the end).
   */
  decimalNear: 6,
} as const;
export type ValueMode = (typeof ValueMode)[keyof typeof ValueMode];

/**
 * Encodes a value column as a header byte (mode | scale << 3 | patched << 6), the count as a varint,
 * and the mode's payload. Every applicable mode is encoded and the smallest kept; all round-trip bit patterns exactly.
 */
export function encodeValues(values: Float64Array): Uint8Array {
  const n = values.length;
  const words = wordsOf(values);
  if (isConstant(words, n)) return encodeConstant(words, n, values[0] ?? 0);
  // Raw is the first choice that any other must beat by a byte; its length is known without writing
  // it, and it is written only when nothing beats it (rare: doubles with no pattern at all).
  let best: Uint8Array | undefined;
  let bestLength = rawLength(n);
  const consider = (candidate: Uint8Array): void => {
    if (candidate.length < bestLength) {
      best = candidate;
      bestLength = candidate.length;
    }
  };
  const maxPatches = Math.max(1, Math.floor(n / 32));
  let exact = false;
  for (const scaled of scaledCandidates(values, maxPatches)) {
    consider(encodeDecimal(scaled, words));
    exact ||= scaled.patches.length === 0;
  }
  if (!exact) {
    const near = nearColumn(values, words, maxPatches);
    if (near !== undefined) consider(encodeNear(near, words));
  }
  const xor = start(ValueMode.xor, n);
  const bits = new BitWriter(n * 2 + 16);
  writeXorFloats(bits, words, n);
  xor.writeBytes(bits.finish());
  consider(xor.finish());
  return best ?? encodeRaw(values);
}

/** Bytes of `encodeRaw` for n values: the header, n as a varint, 8 bytes a value. */
function rawLength(n: number): number {
  let varint = 1;
  for (let x = n; x >= 0x80; x = Math.floor(x / 0x80)) varint++;
  return 1 + varint + 8 * n;
}

/** The mode a column was encoded with (for measurements). */
export function valueModeOf(buf: Uint8Array): ValueMode {
  const mode = (buf[0] ?? 0) & 7;
  if (mode > ValueMode.decimalNear) throw new CodecError(`unknown value mode ${mode}`);
  return mode as ValueMode;
}

/** Decodes a value column; with `arena`, into a view of its block instead of an array of its own. */
export function decodeValues(buf: Uint8Array, arena?: Float64Arena): Float64Array {
  const input = new ByteReader(buf);
  const header = input.readByte();
  // Bit 7 is unassigned (kept for a future flag) and only decimal columns use bits 3..6: any other
  // header comes from a newer format or a corrupt buffer.
  if (
    (header & 0x80) !== 0 ||
    (header > 7 &&
      !isDecimal(header) &&
      !isConstantDecimal(header) &&
      header !== (ValueMode.decimalNear | PATCHED))
  ) {
    throw new CodecError(`unknown value column header 0x${header.toString(16)}`);
  }
  const n = input.readVarint();
  // Apart from the constant mode, no mode packs more than ~73 values per byte (7-bit headers of empty
  // 64-value blocks), so a larger count means a corrupt header: refuse before allocating for it.
  const mode = header & 7;
  const constant = mode === ValueMode.constant || mode === ValueMode.constantDecimal;
  if (n > 2 ** 28 || (n > buf.length * 80 && !constant)) {
    throw new CodecError(`value count ${n} does not fit a ${buf.length}-byte column`);
  }
  const out = float64s(n, arena);
  switch (mode) {
    case ValueMode.constant:
      decodeConstant(input, out);
      break;
    case ValueMode.constantDecimal:
      decodeConstantDecimal(input, header, out);
      break;
    case ValueMode.decimalNear:
      decodeNear(input, header, out);
      break;
    case ValueMode.decimal:
    case ValueMode.decimalWide:
      decodeDecimal(input, header, out);
      break;
    case ValueMode.xor:
      readXorFloats(new BitReader(buf, input.offset), wordsOf(out), n);
      break;
    case ValueMode.raw:
      decodeRaw(input, out);
      break;
    default:
      throw new CodecError(`unknown value mode ${header & 7}`);
  }
  return out;
}

const NO_PATCHES = new Float64Array(0);
let spare = new Float64Array(0);

/** A scratch array of at least `n` doubles (the corrections of a near-decimal column), shared: decoding is synchronous. */
function scratch(n: number): Float64Array {
  if (spare.length < n) spare = new Float64Array(Math.max(n, 2 * spare.length));
  return spare;
}

/** Header bit 6 of a decimal column: a patch list precedes the integers. */
const PATCHED = 0x40;

/**
 * Decimal payload: [patch count, then per patch the gap since the previous patch and the value's 8
 * raw bytes], then the scaled integers (ints.ts), which the decoder divides by 10^scale.
 */
function encodeDecimal(column: ScaledColumn, words: Uint32Array): Uint8Array {
  const { scale, ints, patches } = column;
  const mode = scale < 8 ? ValueMode.decimal | (scale << 3) : ValueMode.decimalWide | ((scale - 8) << 3);
  const out = start(mode | (patches.length > 0 ? PATCHED : 0), ints.length);
  writePatches(out, patches, words);
  encodeInts(ints, out);
  return out.finish();
}

function decodeDecimal(input: ByteReader, header: number, out: Float64Array): void {
  const scale = ((header >> 3) & 7) + ((header & 7) === ValueMode.decimalWide ? 8 : 0);
  decodeScaled(input, header, scale, out);
}

function encodeNear(column: NearColumn, words: Uint32Array): Uint8Array {
  const out = start(ValueMode.decimalNear | (column.patches.length > 0 ? PATCHED : 0), column.ints.length);
  out.writeByte(column.scale);
  writePatches(out, column.patches, words);
  // An integer section runs to the end of its buffer: the first one is prefixed with its length.
  const ints = new ByteWriter(64);
  encodeInts(column.ints, ints);
  const intBytes = ints.finish();
  out.writeVarint(intBytes.length);
  out.writeBytes(intBytes);
  encodeInts(column.corrections, out);
  return out.finish();
}

function decodeNear(input: ByteReader, header: number, out: Float64Array): void {
  const scale = input.readByte();
  if (scale > MAX_SCALE) throw new CodecError(`bad decimal scale ${scale}`);
  // The patches go back last: decode the integers and corrections first, then restore them.
  const patches = readPatches(input, header, out.length);
  decodeInts(new ByteReader(input.readBytes(input.readVarint())), out.length, out, POW10[scale] ?? 1);
  const corrections = scratch(out.length);
  decodeInts(input, out.length, corrections, 1);
  const hiAt = HI; // local copies: see float-words.ts
  const loAt = LO;
  const words = wordsOf(out);
  for (let i = 0; i < out.length; i++) {
    const c = corrections[i] ?? 0;
    if (c === 0) continue;
    if (Math.abs(c) > NEAR_MAX_ULPS) throw new CodecError(`correction of ${c} ulps out of range`);
    addUlps(words, i, c, hiAt, loAt);
  }
  restorePatches(words, patches);
}

function decodeScaled(input: ByteReader, header: number, scale: number, out: Float64Array): void {
  const divisor = POW10[scale];
  if (divisor === undefined) throw new CodecError(`bad decimal scale ${scale}`);
  const patches = readPatches(input, header, out.length);
  decodeInts(input, out.length, out, divisor);
  if (patches.length > 0) restorePatches(wordsOf(out), patches);
}

function writePatches(out: ByteWriter, patches: readonly number[], words: Uint32Array): void {
  if (patches.length === 0) return;
  out.writeVarint(patches.length);
  let next = 0;
  for (const p of patches) {
    out.writeVarint(p - next);
    next = p + 1;
    out.writeUint32(words[2 * p + LO] ?? 0);
    out.writeUint32(words[2 * p + HI] ?? 0);
  }
}

/** Patch positions and words, as triples; empty when the header has no patched flag. */
function readPatches(input: ByteReader, header: number, n: number): Float64Array {
  const patchCount = (header & PATCHED) !== 0 ? input.readVarint() : 0;
  if (patchCount > n) throw new CodecError('more patches than values');
  const patches = patchCount === 0 ? NO_PATCHES : new Float64Array(patchCount * 3);
  let next = 0;
  for (let i = 0; i < patchCount; i++) {
    const p = next + input.readVarint();
    if (p >= n) throw new CodecError('patch position out of range');
    next = p + 1;
    patches[3 * i] = p;
    patches[3 * i + 1] = input.readUint32();
    patches[3 * i + 2] = input.readUint32();
  }
  return patches;
}

function restorePatches(words: Uint32Array, patches: Float64Array): void {
  for (let i = 0; i < patches.length; i += 3) {
    const p = patches[i] ?? 0;
    words[2 * p + LO] = patches[i + 1] ?? 0;
    words[2 * p + HI] = patches[i + 2] ?? 0;
  }
}

function isConstantDecimal(header: number): boolean {
  return (header & 7) === ValueMode.constantDecimal && header < 0x40;
}

function isDecimal(header: number): boolean {
  const mode = header & 7;
  return mode === ValueMode.decimal || mode === ValueMode.decimalWide;
}

function start(header: number, n: number, capacity = 64): ByteWriter {
  const out = new ByteWriter(capacity);
  out.writeByte(header);
  out.writeVarint(n);
  return out;
}

function isConstant(words: Uint32Array, n: number): boolean {
  const hiAt = HI; // local copies: see float-words.ts
  const loAt = LO;
  const hi = words[hiAt];
  const lo = words[loAt];
  for (let i = 1; i < n; i++) {
    if (words[2 * i + hiAt] !== hi || words[2 * i + loAt] !== lo) return false;
  }
  return true;
}

/** Largest scale of the compact constant mode (3 header bits). */
const CONSTANT_MAX_SCALE = 7;

function encodeConstant(words: Uint32Array, n: number, first: number): Uint8Array {
  const scale = n > 0 ? smallestScale(first) : CONSTANT_MAX_SCALE + 1;
  if (scale <= CONSTANT_MAX_SCALE) {
    const out = start(ValueMode.constantDecimal | (scale << 3), n);
    out.writeSignedVarint(Math.round(first * (POW10[scale] ?? 1)));
    return out.finish();
  }
  const out = start(ValueMode.constant, n);
  if (n > 0) {
    out.writeUint32(words[LO] ?? 0);
    out.writeUint32(words[HI] ?? 0);
  }
  return out.finish();
}

function decodeConstant(input: ByteReader, out: Float64Array): void {
  const hiAt = HI; // local copies: see float-words.ts
  const loAt = LO;
  if (out.length === 0) return;
  const lo = input.readUint32();
  const hi = input.readUint32();
  const words = wordsOf(out);
  for (let i = 0; i < out.length; i++) {
    words[2 * i + loAt] = lo;
    words[2 * i + hiAt] = hi;
  }
}

function decodeConstantDecimal(input: ByteReader, header: number, out: Float64Array): void {
  const divisor = POW10[(header >> 3) & 7] ?? 1;
  // Only a column of no values has no integer; the encoder writes those in mode 0.
  out.fill(input.readSignedVarint() / divisor);
}

/** Raw doubles, written little-endian whatever the platform so buffers move between machines. */
function encodeRaw(values: Float64Array): Uint8Array {
  const hiAt = HI; // local copies: see float-words.ts
  const loAt = LO;
  const out = start(ValueMode.raw, values.length, rawLength(values.length));
  const words = wordsOf(values);
  for (let i = 0; i < values.length; i++) {
    out.writeUint32(words[2 * i + loAt] ?? 0);
    out.writeUint32(words[2 * i + hiAt] ?? 0);
  }
  return out.finish();
}

function decodeRaw(input: ByteReader, out: Float64Array): void {
  const hiAt = HI; // local copies: see float-words.ts
  const loAt = LO;
  const words = wordsOf(out);
  for (let i = 0; i < out.length; i++) {
    words[2 * i + loAt] = input.readUint32();
    words[2 * i + hiAt] = input.readUint32();
  }
}
