import protobuf from 'protobufjs';
import { ID_PATTERN } from '../contract/index.ts';
import {
  ExportMetricsServiceRequestType,
  FLAG_NO_RECORDED_VALUE,
  TEMPORALITY,
} from '../contract/otlp-metrics.ts';
import type { WriteBatch } from '../tsdb/index.ts';
import { IngestRejectedError } from './errors.ts';
import { checkSampleCount, checkSeries, type IngestLimits } from './limits.ts';
import { hostId } from './push-influx.ts';
import { BatchBuilder, type PushedHost } from './push-json.ts';

/**
 * OTLP metrics (`ExportMetricsServiceRequest`, protobuf or OTLP/JSON) → write batches. Both encodings
 * are read by one walker: the protobuf decoder gives objects with the OTLP/JSON field names, 64-bit
 * integers as Longs; a JSON body gives the same names with 64-bit integers as strings or numbers. The
 * mapping (docs/ingest/otlp.md):
 *
 * - host: resource attribute `host.name`, else `service.instance.id`, else `service.name`, made a host
 *   id as Influx `host` tags are (`hostId`); resource attributes `service.name` and `service.namespace`
 *   become the labels `service_name` and `service_namespace` of every series; the rest are not kept.
 * - metric names are kept (`http.server.duration`), characters a Vitals name cannot hold become `_`;
 *   the unit is not kept. Data point attributes become labels (`.` and other characters → `_`).
 * - gauge and sum points are samples of the metric's name (a monotonic cumulative sum is a counter,
 *   stored as counted; delta sums are stored as sent); histograms become `_bucket{le}` (cumulative,
 *   `+Inf` included), `_sum` and `_count`; summaries `{quantile}`, `_sum` and `_count`.
 * - exponential histograms and points without a value or time are refused one by one: counted in the
 *   answer's `partialSuccess`, the rest of the request is stored. Points flagged NO_RECORDED_VALUE are
 *   skipped. A malformed body, a field of the wrong type or a limit refuses the whole request.
 */

/** What a push of OTLP metrics stores, and what it refused point by point. */
export interface OtlpBatches {
  readonly batches: WriteBatch[];
  readonly hosts: PushedHost[];
  /** Data points refused one by one (`partialSuccess.rejectedDataPoints`). */
  readonly rejected: number;
  /** Why, for the first few of them (`partialSuccess.errorMessage`); '' when none were. */
  readonly rejectedMessage: string;
}

export type OtlpEncoding = 'protobuf' | 'json';

/** Decodes a request body; a body that is not an `ExportMetricsServiceRequest` is a bad request. */
export function decodeOtlpMetrics(body: Uint8Array, encoding: OtlpEncoding): unknown {
  if (encoding === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
    } catch {
      throw new IngestRejectedError('bad_request', 'the body is not valid JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new IngestRejectedError(
        'bad_request',
        'the body is not an OTLP/JSON ExportMetricsServiceRequest: it must be a JSON object',
      );
    }
    return parsed;
  }
  try {
    return ExportMetricsServiceRequestType.decode(body);
  } catch (err: unknown) {
    const why = err instanceof RangeError && /call stack/.test(err.message) ? 'nested too deeply' : err;
    throw new IngestRejectedError(
      'bad_request',
      `the body is not a protobuf ExportMetricsServiceRequest: ${why instanceof Error ? why.message : String(why)}`,
    );
  }
}

/** A field of the wrong type; turned into a bad request naming where it is. */
class FieldProblem extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field} ${problem}`);
  }

  /** The same problem, `field` now `field[index]…` (item `index` of a list). */
  static at(err: unknown, field: string, index: number): unknown {
    if (!(err instanceof FieldProblem) || !err.field.startsWith(field)) return err;
    return new FieldProblem(`${field}[${index}]${err.field.slice(field.length)}`, err.problem);
  }
}

const EMPTY: readonly unknown[] = [];
/** protobufjs' Long (64-bit integers of decoded messages), when the `long` package is installed. */
const Long = protobuf.util.Long as unknown as
  | (NonNullable<typeof protobuf.util.Long> & {
      fromNumber(n: number, unsigned?: boolean): { multiply(n: number): unknown };
    })
  | undefined;
const has = (o: object, key: string): boolean => Object.hasOwn(o, key);
type Obj = Record<string, unknown>;

function list(v: unknown, field: string): readonly unknown[] {
  if (v === undefined || v === null) return EMPTY;
  if (Array.isArray(v)) return v;
  throw new FieldProblem(field, `must be an array`);
}

function record(v: unknown, field: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object' && !Array.isArray(v)) return v as Obj;
  throw new FieldProblem(field, `must be an object`);
}

function text(v: unknown, field: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  throw new FieldProblem(field, `must be a string`);
}

function flag(v: unknown, field: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  throw new FieldProblem(field, `must be true or false`);
}

const SPECIAL: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A double: a number, or as OTLP/JSON may spell it a string (`"NaN"`, `"Infinity"`, `"1.5"`). */
function double(v: unknown, field: string): number {
  if (typeof v === 'number') return v;
  if (v === undefined || v === null) return 0;
  if (typeof v === 'string') {
    const special = SPECIAL[v];
    if (special !== undefined) return special;
    if (DECIMAL.test(v)) return Number(v);
  }
  throw new FieldProblem(field, `must be a number`);
}

interface LongLike {
  readonly low: number;
  readonly high: number;
}
const isLong = (v: unknown): v is LongLike =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as LongLike).low === 'number' &&
  typeof (v as LongLike).high === 'number';

const UNSIGNED = /^\d{1,20}$/;
const SIGNED = /^-?\d{1,19}$/;

/** A 64-bit integer (fixed64, uint64, sfixed64, int64) as a number: Long, integral number or decimal string. */
function int64(v: unknown, field: string, signed: boolean): number {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && (signed || v >= 0)) return v;
  } else if (v === undefined || v === null) {
    return 0;
  } else if (typeof v === 'string') {
    if ((signed ? SIGNED : UNSIGNED).test(v)) return Number(v);
  } else if (isLong(v)) {
    const high = signed ? v.high | 0 : v.high >>> 0;
    return high * 4294967296 + (v.low >>> 0);
  }
  throw new FieldProblem(field, `must be ${signed ? 'an' : 'a non-negative'} integer`);
}

/** A `fixed64` of ns since the epoch as whole ms, exactly (ns beyond 2^53 do not fit a double). */
function nanosToMs(v: unknown, field: string): number {
  if (typeof v === 'string' && UNSIGNED.test(v)) return v.length <= 6 ? 0 : Number(v.slice(0, -6));
  if (isLong(v)) {
    // (high·2^32 + low) / 10^6, with 2^32 = 4294·10^6 + 967296: every term stays below 2^53.
    const high = v.high >>> 0;
    const rest = high * 967296 + (v.low >>> 0);
    return high * 4294 + Math.floor(rest / 1e6);
  }
  return Math.floor(int64(v, field, false) / 1e6);
}

function flags(v: unknown, field: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff) return v;
  throw new FieldProblem(field, `must be an unsigned 32-bit integer`);
}

const TEMPORALITY_NAMES: Readonly<Record<string, number>> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: TEMPORALITY.UNSPECIFIED,
  AGGREGATION_TEMPORALITY_DELTA: TEMPORALITY.DELTA,
  AGGREGATION_TEMPORALITY_CUMULATIVE: TEMPORALITY.CUMULATIVE,
};

function temporality(v: unknown, field: string): number {
  if (v === undefined || v === null) return TEMPORALITY.UNSPECIFIED;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  const named = typeof v === 'string' ? TEMPORALITY_NAMES[v] : undefined;
  if (named !== undefined) return named;
  throw new FieldProblem(field, `must be an AggregationTemporality number`);
}

/** Deepest nesting of array and kvlist attribute values read. */
const MAX_VALUE_DEPTH = 8;

/** An AnyValue as the label value: strings as they are, others as text, arrays and kvlists as JSON. */
function anyValue(v: unknown, field: string, depth = 0): string {
  const value = record(v, field);
  if (value === undefined) return '';
  // Paths are spelled out only when a value is wrong: this runs for every attribute of every point.
  if (has(value, 'stringValue')) {
    const s = value.stringValue;
    return typeof s === 'string' ? s : text(s, `${field}.stringValue`);
  }
  if (has(value, 'boolValue')) {
    const b = value.boolValue;
    return typeof b === 'boolean' ? String(b) : String(flag(b, `${field}.boolValue`));
  }
  if (has(value, 'intValue')) {
    const n = value.intValue;
    // A decoded Long and a decimal string from JSON print exactly; a JSON number as itself.
    if (typeof n === 'string' && SIGNED.test(n)) return n;
    if (Long && n instanceof Long) return n.toString();
    return String(int64(n, `${field}.intValue`, true));
  }
  if (has(value, 'doubleValue')) {
    const d = value.doubleValue;
    return String(typeof d === 'number' ? d : double(d, `${field}.doubleValue`));
  }
  if (has(value, 'bytesValue')) {
    const b = value.bytesValue;
    if (b instanceof Uint8Array) return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
    return text(b, `${field}.bytesValue`);
  }
  if (has(value, 'arrayValue') || has(value, 'kvlistValue')) {
    if (depth >= MAX_VALUE_DEPTH) throw new FieldProblem(field, `is nested too deeply`);
    return JSON.stringify(jsonOf(value, field, depth));
  }
  return '';
}

/** An array or kvlist AnyValue as a JSON value (strings, numbers as text, nested arrays and objects). */
function jsonOf(value: Obj, field: string, depth: number): unknown {
  if (has(value, 'arrayValue')) {
    const values = list(
      record(value.arrayValue, `${field}.arrayValue`)?.values,
      `${field}.arrayValue.values`,
    );
    return values.map((item, i) => nested(item, `${field}.arrayValue.values[${i}]`, depth + 1));
  }
  if (has(value, 'kvlistValue')) {
    const values = list(
      record(value.kvlistValue, `${field}.kvlistValue`)?.values,
      `${field}.kvlistValue.values`,
    );
    const out: [string, unknown][] = [];
    for (const [i, item] of values.entries()) {
      const kv = record(item, `${field}.kvlistValue.values[${i}]`) ?? {};
      out.push([text(kv.key, 'key'), nested(kv.value, `${field}.kvlistValue.values[${i}].value`, depth + 1)]);
    }
    return Object.fromEntries(out);
  }
  return anyValue(value, field, depth);
}

function nested(v: unknown, field: string, depth: number): unknown {
  const value = record(v, field);
  if (value && (has(value, 'arrayValue') || has(value, 'kvlistValue'))) {
    if (depth >= MAX_VALUE_DEPTH) throw new FieldProblem(field, `is nested too deeply`);
    return jsonOf(value, field, depth);
  }
  return anyValue(v, field, depth);
}

const METRIC_OK = /^[a-zA-Z_][a-zA-Z0-9_.]{0,191}$/;
const LABEL_OK = /^[a-zA-Z_][a-zA-Z0-9_]{0,99}$/;

/** An OTel instrument name as a Vitals metric name (room left for `_bucket`); undefined when empty. */
export function otlpMetricName(raw: string): string | undefined {
  if (METRIC_OK.test(raw)) return raw;
  if (raw === '') return undefined;
  const name = raw.replace(/[^a-zA-Z0-9_.]/g, '_');
  return (/^[a-zA-Z_]/.test(name) ? name : `_${name}`).slice(0, 192);
}

/** An attribute key as a label name: `.` and any other character a label cannot hold become `_`. */
export function otlpLabelName(raw: string): string | undefined {
  if (LABEL_OK.test(raw)) return raw;
  if (raw === '') return undefined;
  const name = raw.replace(/[^a-zA-Z0-9_]/g, '_');
  return (/^[a-zA-Z_]/.test(name) ? name : `_${name}`).slice(0, 100);
}

/**
 * A point's attributes as a flat list of raw keys and label values (`[k0, v0, k1, v1, …]`); made labels
 * by `labelsOf` only for series not seen before in the request.
 */
function readAttributes(v: unknown): string[] {
  const items = list(v, 'attributes');
  const flat: string[] = [];
  for (let i = 0; i < items.length; i++) {
    try {
      const kv = record(items[i], 'attributes');
      if (!kv) continue;
      const key = kv.key;
      flat.push(
        typeof key === 'string' ? key : text(key, 'attributes.key'),
        anyValue(kv.value, 'attributes.value'),
      );
    } catch (err: unknown) {
      throw FieldProblem.at(err, 'attributes', i);
    }
  }
  return flat;
}

/** Identifies a point's attributes (length-prefixed, so no two lists share one). */
function signature(flat: readonly string[]): string {
  let sig = '';
  for (const part of flat) sig += `${part.length}:${part}`;
  return sig;
}

/**
 * Labels of a point: the resource's, then its attributes (`.` and other characters → `_`); two keys that
 * become one label name get their values joined by `;`.
 */
function labelsOf(base: ReadonlyMap<string, string>, flat: readonly string[]): Record<string, string> {
  const labels = new Map(base);
  const own = new Set<string>();
  for (let i = 0; i < flat.length; i += 2) {
    const name = otlpLabelName(flat[i] as string);
    if (name === undefined) continue;
    const value = flat[i + 1] as string;
    const before = own.has(name) ? labels.get(name) : undefined;
    labels.set(name, before === undefined ? value : `${before};${value}`);
    own.add(name);
  }
  return Object.fromEntries(labels);
}

/** A list of scalars read one by one, naming the index of a wrong one. */
function items<T>(v: unknown, field: string, read: (item: unknown, field: string) => T): T[] {
  const values = list(v, field);
  const out = new Array<T>(values.length);
  for (let i = 0; i < values.length; i++) {
    try {
      out[i] = read(values[i], field);
    } catch (err: unknown) {
      throw FieldProblem.at(err, field, i);
    }
  }
  return out;
}

/** Resource attributes that name the host, best first. */
const HOST_ATTRIBUTES = ['host.name', 'service.instance.id', 'service.name'] as const;
/** Resource attributes kept as labels of every series of the resource. */
const RESOURCE_LABELS: Readonly<Record<string, string>> = {
  'service.name': 'service_name',
  'service.namespace': 'service_namespace',
};

interface ResourceView {
  readonly host: PushedHost | undefined;
  readonly labels: ReadonlyMap<string, string>;
}

function resource(v: unknown): ResourceView {
  const res = record(v, 'resource');
  const found = new Map<string, string>();
  for (const [i, item] of list(res?.attributes, 'resource.attributes').entries()) {
    const kv = record(item, `resource.attributes[${i}]`);
    if (!kv) continue;
    const key = text(kv.key, `resource.attributes[${i}].key`);
    if (HOST_ATTRIBUTES.includes(key as (typeof HOST_ATTRIBUTES)[number]) || RESOURCE_LABELS[key]) {
      found.set(key, anyValue(kv.value, `resource.attributes[${i}].value`));
    }
  }
  let host: PushedHost | undefined;
  for (const key of HOST_ATTRIBUTES) {
    const raw = found.get(key);
    if (raw === undefined) continue;
    const id = hostId(raw);
    if (ID_PATTERN.test(id)) {
      host = raw.length <= 200 && raw.trim() !== '' ? { id, name: raw } : { id };
      break;
    }
  }
  const labels = new Map<string, string>();
  for (const [key, label] of Object.entries(RESOURCE_LABELS)) {
    const value = found.get(key);
    if (value !== undefined && value !== '') labels.set(label, value);
  }
  return { host, labels };
}

/** Bounds and quantiles as label values: `0.005`, `1`, `+Inf`. */
function numberLabel(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

/** Where the walk is, for messages: kept as indices, formatted only when something is wrong. */
interface Location {
  rm: number;
  sm: number;
  m: number;
  name: string;
  kind: string;
  p: number;
}

function where(loc: Location): string {
  let s = `resourceMetrics[${loc.rm}]`;
  if (loc.sm >= 0) s += `.scopeMetrics[${loc.sm}]`;
  if (loc.m >= 0) s += `.metrics[${loc.m}]${loc.name ? ` ("${loc.name}")` : ''}`;
  if (loc.p >= 0) s += `.${loc.kind}.dataPoints[${loc.p}]`;
  return s;
}

/** The `Metric.data` oneof, in the order looked for. */
const DATA_KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;

/** How many refusal reasons `partialSuccess.errorMessage` names. */
const REASONS_SHOWN = 3;

/**
 * An `ExportMetricsServiceRequest` (decoded by `decodeOtlpMetrics`) → write batches, one per host. All
 * or nothing, except points refused one by one (`rejected`, see the module comment).
 */
export function batchesFromOtlp(org: string, request: unknown, limits: IngestLimits): OtlpBatches {
  const builders = new Map<string, BatchBuilder>();
  const hosts = new Map<string, PushedHost>();
  const reasons: string[] = [];
  let rejected = 0;
  let count = 0;
  const loc: Location = { rm: -1, sm: -1, m: -1, name: '', kind: '', p: -1 };
  const refusePoint = (problem: string): void => {
    rejected += 1;
    if (reasons.length < REASONS_SHOWN) reasons.push(`${where(loc)}: ${problem}`);
  };
  // The current data point: its host's builder, its time, and its attributes (labels made on demand).
  let builder: BatchBuilder;
  let base: ReadonlyMap<string, string> = new Map();
  let flat: string[] = [];
  let sig = '';
  let labels: Record<string, string> | undefined;
  let time = 0;
  // Canonical series keys by metric name, extra label and attribute signature, per resource: the same
  // series come in every export, and checking them is most of the cost of a point.
  const keys = new Map<string, string>();
  const add = (name: string, value: number, extra?: readonly [string, string]): void => {
    const id = extra ? `${name}\u0000${extra[0]}=${extra[1]}\u0000${sig}` : `${name}\u0000${sig}`;
    let key = keys.get(id);
    if (key === undefined) {
      labels ??= labelsOf(base, flat);
      key = checkSeries(name, extra ? { ...labels, [extra[0]]: extra[1] } : labels, limits);
      keys.set(id, key);
    }
    builder.add(key, time, value);
    if (++count > limits.maxSamplesPerRequest) checkSampleCount(count, limits);
  };

  const body = record(request, 'the body') ?? {};
  try {
    for (const [rmIndex, rmItem] of list(body.resourceMetrics, 'resourceMetrics').entries()) {
      Object.assign(loc, { rm: rmIndex, sm: -1, m: -1, name: '', p: -1 });
      const rm = record(rmItem, 'resourceMetrics item') ?? {};
      const res = resource(rm.resource);
      base = res.labels;
      keys.clear();
      const scopes = list(rm.scopeMetrics, 'scopeMetrics');
      if (!res.host) {
        if (scopes.length === 0) continue;
        throw new IngestRejectedError(
          'bad_request',
          `${where(loc)}: no host: the resource needs a host.name, service.instance.id or service.name attribute that makes a host id (${ID_PATTERN.source} once other characters became "_")`,
        );
      }
      const host = res.host;
      let hostBuilder = builders.get(host.id);
      if (!hostBuilder) {
        hostBuilder = new BatchBuilder();
        builders.set(host.id, hostBuilder);
        hosts.set(host.id, host);
      }
      builder = hostBuilder;
      for (const [smIndex, smItem] of scopes.entries()) {
        Object.assign(loc, { sm: smIndex, m: -1, name: '', p: -1 });
        const sm = record(smItem, 'scopeMetrics item') ?? {};
        for (const [mIndex, mItem] of list(sm.metrics, 'metrics').entries()) {
          Object.assign(loc, { m: mIndex, name: '', p: -1 });
          const metric = record(mItem, 'metrics item') ?? {};
          const rawName = text(metric.name, 'name');
          loc.name = rawName.slice(0, 200);
          const name = otlpMetricName(rawName);
          metricPoints(metric, name);
        }
      }
    }
  } catch (err: unknown) {
    if (err instanceof FieldProblem)
      throw new IngestRejectedError('bad_request', `${where(loc)}: ${err.message}`);
    if (err instanceof IngestRejectedError && loc.m >= 0 && !err.message.startsWith('resourceMetrics[')) {
      // A limit or a name refused by checkSeries: say which metric.
      throw new IngestRejectedError(err.reason, `${where(loc)}: ${err.message}`);
    }
    throw err;
  }

  function metricPoints(metric: Obj, name: string | undefined): void {
    let kind = '';
    let data: Obj | undefined;
    for (const k of DATA_KINDS) {
      data = record(metric[k], k);
      kind = k;
      if (data) break;
    }
    if (!data) return;
    loc.kind = kind;
    const points = list(data.dataPoints, `${kind}.dataPoints`);
    if (kind === 'sum') {
      // Read for its type only: every sum is stored as sent (docs/ingest/otlp.md).
      temporality(data.aggregationTemporality, 'sum.aggregationTemporality');
      flag(data.isMonotonic, 'sum.isMonotonic');
    } else if (kind === 'histogram') {
      temporality(data.aggregationTemporality, 'histogram.aggregationTemporality');
    }
    for (const [pIndex, pItem] of points.entries()) {
      loc.p = pIndex;
      const point = record(pItem, 'data point') ?? {};
      if (flags(point.flags, 'flags') & FLAG_NO_RECORDED_VALUE) continue;
      if (kind === 'exponentialHistogram') {
        refusePoint('exponential histograms are not stored; export explicit-bucket histograms');
        continue;
      }
      if (name === undefined) {
        refusePoint('the metric has no name');
        continue;
      }
      flat = readAttributes(point.attributes);
      sig = signature(flat);
      labels = undefined;
      time = nanosToMs(point.timeUnixNano, 'timeUnixNano');
      if (time === 0) {
        refusePoint('timeUnixNano is missing');
        continue;
      }
      if (kind === 'gauge' || kind === 'sum') numberPoint(point, name);
      else if (kind === 'histogram') histogramPoint(point, name);
      else summaryPoint(point, name);
    }
  }

  function numberPoint(point: Obj, name: string): void {
    if (has(point, 'asDouble')) add(name, double(point.asDouble, 'asDouble'));
    else if (has(point, 'asInt')) add(name, int64(point.asInt, 'asInt', true));
    else refusePoint('the point has neither asDouble nor asInt');
  }

  function histogramPoint(point: Obj, name: string): void {
    const total = int64(point.count, 'count', false);
    const counts = items(point.bucketCounts, 'bucketCounts', (c, field) => int64(c, field, false));
    const bounds = items(point.explicitBounds, 'explicitBounds', double);
    if (counts.length > 0 && counts.length !== bounds.length + 1) {
      refusePoint(
        `${counts.length} bucketCounts for ${bounds.length} explicitBounds; there must be one more count than bounds`,
      );
      return;
    }
    if (bounds.some((b, i) => Number.isNaN(b) || (i > 0 && b <= (bounds[i - 1] as number)))) {
      refusePoint('explicitBounds must be increasing numbers');
      return;
    }
    if (counts.length > 0) {
      let cumulative = 0;
      for (const [i, bound] of bounds.entries()) {
        cumulative += counts[i] as number;
        add(`${name}_bucket`, cumulative, ['le', numberLabel(bound)]);
      }
      add(`${name}_bucket`, total, ['le', '+Inf']);
    }
    if (has(point, 'sum')) add(`${name}_sum`, double(point.sum, 'sum'));
    add(`${name}_count`, total);
  }

  function summaryPoint(point: Obj, name: string): void {
    for (const [i, item] of list(point.quantileValues, 'quantileValues').entries()) {
      const q = record(item, `quantileValues[${i}]`) ?? {};
      const quantile = double(q.quantile, `quantileValues[${i}].quantile`);
      add(name, double(q.value, `quantileValues[${i}].value`), ['quantile', numberLabel(quantile)]);
    }
    add(`${name}_sum`, double(point.sum, 'sum'));
    add(`${name}_count`, int64(point.count, 'count', false));
  }

  const batches = [...builders].filter(([, b]) => b.series.length > 0).map(([id, b]) => b.build(org, id));
  return {
    batches,
    hosts: batches.map((b) => hosts.get(b.host) as PushedHost),
    rejected,
    rejectedMessage:
      rejected === 0
        ? ''
        : `${rejected} data point${rejected === 1 ? '' : 's'} refused: ${reasons.join('; ')}${rejected > reasons.length ? '; …' : ''}`,
  };
}

/** ms since the epoch as the `fixed64` ns of OTLP, exactly. */
function msToNanos(ms: number): unknown {
  return Long ? Long.fromNumber(ms, true).multiply(1_000_000) : ms * 1e6;
}

/** One host's gauges for `encodeOtlpGauges`. */
export interface OtlpGaugeHost {
  readonly host: string;
  readonly series: readonly {
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
    /** [timestamp ms, value] */
    readonly points: readonly (readonly [number, number])[];
  }[];
}

/**
 * Gauges as an OTLP/protobuf `ExportMetricsServiceRequest`, as an SDK would send them: one resource per
 * host (`host.name`), one metric per name, one data point per sample with the labels as attributes.
 * For benchmarks and tests.
 */
export function encodeOtlpGauges(hosts: readonly OtlpGaugeHost[]): Uint8Array {
  const resourceMetrics = hosts.map((h) => {
    const byName = new Map<string, object[]>();
    for (const s of h.series) {
      const attributes = Object.entries(s.labels).map(([key, value]) => ({
        key,
        value: { stringValue: value },
      }));
      let points = byName.get(s.name);
      if (!points) {
        points = [];
        byName.set(s.name, points);
      }
      for (const [t, v] of s.points) points.push({ attributes, timeUnixNano: msToNanos(t), asDouble: v });
    }
    return {
      resource: { attributes: [{ key: 'host.name', value: { stringValue: h.host } }] },
      scopeMetrics: [
        {
          scope: { name: 'vitals-bench' },
          metrics: [...byName].map(([name, dataPoints]) => ({ name, gauge: { dataPoints } })),
        },
      ],
    };
  });
  return ExportMetricsServiceRequestType.encode({ resourceMetrics }).finish();
}
