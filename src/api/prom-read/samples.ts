/**
 * The SAMPLES answer written by hand, a series at a time: `prometheus.TimeSeries` is labels (field 1)
 * and samples (field 2, each `{1: double value, 2: int64 timestamp}`). The contract's protobufjs type
 * writes the labels; samples, the bulk of an answer, are written straight into one buffer (protobufjs
 * would make an object per sample), their value bytes copied from the stored float64 (bitwise).
 */
import { type PromLabel, TimeSeriesType } from '../../contract/prometheus-remote.ts';

/** Length of the unsigned varint of a non-negative safe integer. */
function uvarintLength(value: number): number {
  let n = 1;
  let v = value;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

function writeUvarint(out: Uint8Array, at: number, value: number): number {
  let v = value;
  let i = at;
  while (v >= 0x80) {
    out[i++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[i++] = v;
  return i;
}

/** A length-delimited field `field` around `bytes`. */
export function lengthDelimited(field: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + uvarintLength(bytes.length) + bytes.length);
  out[0] = (field << 3) | 2;
  const at = writeUvarint(out, 1, bytes.length);
  out.set(bytes, at);
  return out;
}

/**
 * One encoded `prometheus.TimeSeries`: `labels`, then the samples of `timestamps` (non-negative
 * integer ms) and `values`.
 */
export function encodeTimeSeries(
  labels: readonly PromLabel[],
  timestamps: Float64Array,
  values: Float64Array,
): Uint8Array {
  const head = TimeSeriesType.encode({ labels }).finish();
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let size = head.length;
  for (let k = 0; k < timestamps.length; k++) {
    // tag 0x09 + 8 value bytes, tag 0x10 + the timestamp varint.
    const sample = 10 + uvarintLength(timestamps[k] as number);
    size += 1 + uvarintLength(sample) + sample;
  }
  const out = new Uint8Array(size);
  out.set(head, 0);
  let at = head.length;
  for (let k = 0; k < timestamps.length; k++) {
    const t = timestamps[k] as number;
    out[at++] = 0x12;
    at = writeUvarint(out, at, 10 + uvarintLength(t));
    out[at++] = 0x09;
    // Protobuf doubles are little-endian, as typed arrays are on every platform Node runs on.
    out.set(bytes.subarray(k * 8, k * 8 + 8), at);
    at += 8;
    out[at++] = 0x10;
    at = writeUvarint(out, at, t);
  }
  return out;
}
