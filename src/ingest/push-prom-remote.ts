/**
 * Prometheus remote_write 1.0 → write batches: the body is a snappy block-compressed protobuf
 * `prometheus.WriteRequest` (see `docs/ingest/prometheus-remote-write.md` for the mapping as users see it).
 *
 * - `__name__` is the metric name; a colon in it becomes a dot (`job:up:sum` → `job.up.sum`), as for every
 *   Prometheus name Vitals reads (scrapes, imports): one metric has one name whichever way it came in.
 * - The host is the `instance` label (sanitized as a `host` tag is: `10.0.0.5:9100` → `10.0.0.5_9100`,
 *   registered with the original as its name); without `instance`, the `job` label; without either, the
 *   `?host=` parameter; else the request is refused, naming the series. `instance` is not kept as a label;
 *   `job` and every other label are. A label with an empty value is no label (as in Prometheus).
 * - Stale markers (the NaN Prometheus writes when a series disappears, bits 0x7ff0000000000002) are
 *   dropped: Vitals has no staleness, and a stored NaN would read as a value. Every other NaN is kept.
 * - Series without samples (or only stale markers) are ignored, whatever their labels; exemplars,
 *   native histograms and metadata are skipped. A request without samples is answered like any other.
 * - All or nothing: the first bad series refuses the request (`IngestRejectedError`, 400 or 422).
 */
import snappy from 'snappy';
import { ID_PATTERN, vitalsNameFromPrometheus } from '../contract/index.ts';
import {
  int64,
  type PromLabel,
  type PromTimeSeries,
  type PromWriteRequest,
  WriteRequestType,
} from '../contract/prometheus-remote.ts';
import { IngestRejectedError } from './errors.ts';
import { checkSampleCount, checkSeries, type IngestLimits } from './limits.ts';
import { hostId } from './push-influx.ts';
import { BatchBuilder, type PushedHost } from './push-json.ts';
import type { Parsed } from './service.ts';

export interface PromRemoteOptions {
  /** Host of series with neither an `instance` nor a `job` label (`?host=`). */
  readonly host?: string;
  /** Largest decompressed body, bytes (VITALS_MAX_BODY_BYTES, as for gzip bodies). */
  readonly maxBytes: number;
}

/** Host names as registered are at most this long (the host schema's `name`). */
const HOST_NAME_MAX = 200;

function refuse(message: string): never {
  throw new IngestRejectedError('bad_request', message);
}

/**
 * The uncompressed length a snappy block starts with (a little-endian base-128 varint of at most 32
 * bits), or undefined when the body does not start with one.
 */
export function snappyLength(body: Uint8Array): number | undefined {
  let value = 0;
  for (let i = 0; i < 5 && i < body.length; i++) {
    const byte = body[i] as number;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) return value <= 0xffffffff ? value : undefined;
  }
  return undefined;
}

/**
 * Snappy block decompression, bounded: the declared length is read and checked against `maxBytes`
 * before anything is allocated. Throws IngestRejectedError('bad_request') naming the problem.
 */
export function uncompressSnappy(body: Uint8Array, maxBytes: number): Buffer {
  if (body.length === 0) refuse('the body is empty: send a snappy-compressed protobuf WriteRequest');
  const length = snappyLength(body);
  if (length === undefined) {
    refuse('the body is not snappy-compressed (block format, as remote_write sends it): no length header');
  }
  if (length > maxBytes) {
    refuse(
      `the body decompresses to ${length} bytes; the limit is ${maxBytes} (VITALS_MAX_BODY_BYTES): send smaller batches (queue_config.max_samples_per_send)`,
    );
  }
  let out: Buffer | string;
  try {
    out = snappy.uncompressSync(body, { asBuffer: true });
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message.replace(/^snappy:\s*/, '') : String(err);
    refuse(`the body is not snappy-compressed (block format, as remote_write sends it): ${reason}`);
  }
  const buf = typeof out === 'string' ? Buffer.from(out) : out;
  if (buf.length !== length) {
    refuse(`the body is not valid snappy: it declares ${length} bytes and holds ${buf.length}`);
  }
  return buf;
}

/** The protobuf WriteRequest in `bytes`; IngestRejectedError('bad_request') when it is not one. */
export function decodeWriteRequest(bytes: Uint8Array): PromWriteRequest {
  try {
    return WriteRequestType.decode(bytes) as unknown as PromWriteRequest;
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message : String(err);
    refuse(`the body is not a protobuf WriteRequest (remote-write 1.0): ${reason}`);
  }
}

/** Decompresses and decodes a remote_write body. */
export function readRemoteWrite(body: Uint8Array, maxBytes: number): PromWriteRequest {
  return decodeWriteRequest(uncompressSnappy(body, maxBytes));
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** Prometheus' stale marker: the NaN with bits 0x7ff0000000000002 (`value.StaleNaN`). */
export const STALE_NAN = (() => {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, 0x7ff00000);
  view.setUint32(4, 0x00000002);
  return view.getFloat64(0);
})();
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * True for Prometheus' stale marker (only that NaN, not every NaN). The quiet bit is not looked at: the
 * marker is a signalling NaN, and the CPU may set that bit when the value is moved (V8 does, putting it
 * in an array of doubles), so `0x7ff8000000000002` is the same marker. No arithmetic makes that NaN.
 */
export function isStaleMarker(value: number): boolean {
  if (!Number.isNaN(value)) return false;
  f64[0] = value;
  const [lo, hi] = LITTLE_ENDIAN ? [u32[0], u32[1]] : [u32[1], u32[0]];
  return ((hi as number) & 0xfff7ffff) === 0x7ff00000 && lo === 0x00000002;
}

/** One series' metric name, host and kept labels. */
interface Mapped {
  readonly name: string;
  readonly host: string;
  /** The `instance` label as sent: the host's name when it registers. */
  readonly instance: string | undefined;
  readonly labels: Record<string, string>;
}

/** `__name__="x",job="y"`, for messages: which series a refusal is about. */
function labelText(labels: readonly PromLabel[]): string {
  const text = labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(',');
  return `{${text.length > 300 ? `${text.slice(0, 300)}…` : text}}`;
}

function mapSeries(
  series: PromTimeSeries,
  index: number,
  options: PromRemoteOptions,
  limits: IngestLimits,
): Mapped {
  const where = () => `series ${index} ${labelText(series.labels)}`;
  let name: string | undefined;
  let instance: string | undefined;
  let job: string | undefined;
  const seen = new Set<string>();
  const labels: [string, string][] = [];
  for (const label of series.labels) {
    const labelName = label.name ?? '';
    const value = label.value ?? '';
    if (seen.has(labelName)) refuse(`${where()}: label ${labelName} appears twice`);
    seen.add(labelName);
    if (value === '') continue;
    if (labelName === '__name__') name = value;
    else if (labelName === 'instance') instance = value;
    else {
      if (labelName === 'job') job = value;
      labels.push([labelName, value]);
    }
  }
  if (name === undefined) refuse(`${where()}: no __name__ label (metric name)`);
  const from = instance !== undefined ? 'instance' : job !== undefined ? 'job' : undefined;
  const tag = instance ?? job;
  let host: string | undefined;
  if (tag !== undefined) {
    if (tag.length > limits.maxLabelLength) {
      throw new IngestRejectedError(
        'limit_exceeded',
        `${where()}: label ${from} is ${tag.length} characters; the limit is ${limits.maxLabelLength} (VITALS_MAX_LABEL_LENGTH)`,
      );
    }
    host = hostId(tag);
    if (!ID_PATTERN.test(host)) {
      refuse(
        `${where()}: label ${from} ${JSON.stringify(tag)} gives no valid host id (letters or digits first)`,
      );
    }
  } else if (options.host !== undefined && ID_PATTERN.test(options.host)) {
    host = options.host;
  } else {
    refuse(`${where()}: no host: the series has neither an instance nor a job label; add one or pass ?host=`);
  }
  // fromEntries defines own properties, so a label called `__proto__` stays a label.
  return { name: vitalsNameFromPrometheus(name), host, instance, labels: Object.fromEntries(labels) };
}

/**
 * A decoded WriteRequest → write batches (one per host) and the hosts to register, all or nothing:
 * names, labels, timestamps and the request's sample count are checked here, the series limits by the
 * writer.
 */
export function batchesFromWriteRequest(
  org: string,
  request: PromWriteRequest,
  options: PromRemoteOptions,
  limits: IngestLimits,
): Parsed {
  const builders = new Map<string, BatchBuilder>();
  const names = new Map<string, string | undefined>();
  let count = 0;
  let stale = 0;
  for (const [index, series] of (request.timeseries ?? []).entries()) {
    const sent = series.samples ?? [];
    const samples = sent.filter((s) => !isStaleMarker(s.value ?? 0));
    stale += sent.length - samples.length;
    if (samples.length === 0) continue;
    const mapped = mapSeries(series, index, options, limits);
    let key: string;
    try {
      key = checkSeries(mapped.name, mapped.labels, limits);
    } catch (err: unknown) {
      if (!(err instanceof IngestRejectedError)) throw err;
      throw new IngestRejectedError(err.reason, `series ${index}: ${err.message}`);
    }
    count += samples.length;
    if (count > limits.maxSamplesPerRequest) checkSampleCount(count, limits);
    let builder = builders.get(mapped.host);
    if (!builder) {
      builder = new BatchBuilder();
      builders.set(mapped.host, builder);
    }
    if (!names.has(mapped.host)) names.set(mapped.host, mapped.instance?.slice(0, HOST_NAME_MAX));
    for (const sample of samples) {
      const t = int64(sample.timestamp);
      if (!Number.isSafeInteger(t) || t < 0) {
        refuse(`series ${index} (${key}): timestamp ${t} is not a whole number of ms since 1970`);
      }
      builder.add(key, t, sample.value ?? 0);
    }
  }
  const batches = [...builders].map(([host, b]) => b.build(org, host));
  const hosts = [...builders.keys()].map((id): PushedHost => {
    const name = names.get(id);
    return name === undefined ? { id } : { id, name };
  });
  return { batches, hosts, skipped: { stale_marker: stale } };
}

/** A whole remote_write body (snappy-compressed protobuf) → write batches and hosts. */
export function batchesFromPromRemote(
  org: string,
  body: Uint8Array,
  options: PromRemoteOptions,
  limits: IngestLimits,
): Parsed {
  return batchesFromWriteRequest(org, readRemoteWrite(body, options.maxBytes), options, limits);
}

/** One series to encode: its labels (`__name__` included) and `[timestamp ms, value]` samples. */
export interface RemoteWriteSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: readonly (readonly [number, number])[];
}

/**
 * A remote_write body as Prometheus sends it: a protobuf WriteRequest (labels sorted by name), snappy
 * block-compressed. For tests and the benchmark.
 */
export function encodeRemoteWrite(series: readonly RemoteWriteSeries[]): Buffer {
  const message = WriteRequestType.fromObject({
    timeseries: series.map((s) => ({
      labels: Object.entries(s.labels)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, value]) => ({ name, value })),
      samples: s.samples.map(([timestamp, value]) => ({ timestamp, value })),
    })),
  });
  return snappy.compressSync(WriteRequestType.encode(message).finish());
}
