import { ID_PATTERN } from '../contract/index.ts';
import type { TimeBounds, WriteBatch } from '../tsdb/index.ts';
import { IngestRejectedError } from './errors.ts';
import { checkSeries, type IngestLimits } from './limits.ts';
import { hostId } from './push-influx.ts';
import { BatchBuilder, type PushedHost } from './push-json.ts';

/**
 * Graphite plaintext (carbon's line receiver, port 2003): `path value timestamp\n`, with Graphite 1.1
 * tags `path;tag=value;tag2=value2`. Mapping onto Vitals (docs/ingest/graphite.md):
 *
 * - host: the `host` tag when present, otherwise path segment `hostSegment` (1-based; 1 by default,
 *   which is where collectd's write_graphite without a Prefix and Telegraf's default template
 *   `host.tags.measurement.field` put it), which is then removed from the path;
 * - metric name: the rest of the path, empty segments dropped, every character outside
 *   `[a-zA-Z0-9_.]` replaced by `_` (`cpu-0.cpu-idle` → `cpu_0.cpu_idle`), `_` in front of a leading digit;
 * - every other tag: a label (names sanitised the same way, without dots);
 * - value: a decimal number, `inf`/`-inf`; `nan` lines are dropped as carbon drops them (collectd sends
 *   `nan` for a rate it cannot compute yet);
 * - timestamp: seconds since the epoch, fractions kept to the millisecond; `-1`, `N` or none: now.
 */

/** Why a line was refused (the `reason` label of the refused-lines counter). */
export const GRAPHITE_REASONS = [
  'format',
  'value',
  'timestamp',
  'host',
  'name',
  'tags',
  'limit',
  'too_long',
  'refused',
] as const;
export type GraphiteReason = (typeof GRAPHITE_REASONS)[number];

export interface GraphiteMapping {
  /**
   * Path segment (1-based) naming the host of a line without a `host` tag; 0: only the tag names it.
   * @defaultValue 1
   */
  readonly hostSegment: number;
}

/** One parsed line. */
export type GraphiteLine =
  | {
      readonly kind: 'sample';
      readonly host: string;
      /** Canonical series key (`name{label="v"}`), checked against the limits. */
      readonly key: string;
      readonly timestamp: number;
      readonly value: number;
    }
  /** A `nan` value: carbon drops these, and so does Vitals (not an error). */
  | { readonly kind: 'nan' }
  /** Blank line. */
  | { readonly kind: 'empty' }
  | { readonly kind: 'refused'; readonly reason: GraphiteReason; readonly message: string };

type Series =
  | { readonly host: string; readonly key: string }
  | { readonly reason: GraphiteReason; readonly message: string };

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)inf(?:inity)?$/i;
const NAN = /^[+-]?nan$/i;
const FIELD_SEPARATOR = /[ \t]+/;
/** Distinct metric paths (with their tags) whose mapping is remembered; cleared whole when full. */
const RESOLVED_MAX = 100_000;

/** A line's value: a number, `nan`, or undefined when it is not one. */
export function graphiteValue(text: string): number | 'nan' | undefined {
  if (NUMBER.test(text)) return Number(text);
  const inf = INFINITY.exec(text);
  if (inf) return inf[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (NAN.test(text)) return 'nan';
  return undefined;
}

/** A line's timestamp in ms, `now` for `-1`, `N` or none; undefined when it is not a number. */
export function graphiteTimestamp(text: string | undefined, now: number): number | undefined {
  if (text === undefined || text === '-1' || text === 'N' || text === 'n') return now;
  if (!NUMBER.test(text)) return undefined;
  const ms = Math.round(Number(text) * 1000);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** A Graphite path (host segment removed) as a Vitals metric name. */
export function graphiteMetricName(segments: readonly string[]): string {
  const name = segments.join('.').replace(/[^a-zA-Z0-9_.]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** A Graphite tag name as a label name. */
export function graphiteLabelName(tag: string): string {
  const name = tag.replace(/[^a-zA-Z0-9_]/g, '_');
  return (/^[0-9]/.test(name) ? `_${name}` : name).slice(0, 100);
}

/**
 * Parses lines. The mapping of each distinct path (with its tags) to host and series key is computed
 * once and remembered: clients send the same paths every interval.
 */
export class GraphiteParser {
  private readonly resolved = new Map<string, Series>();

  constructor(
    private readonly mapping: GraphiteMapping,
    private readonly limits: IngestLimits,
  ) {}

  /** One line (without its newline). `now` (ms) stands for a missing timestamp; `bounds` are the writer's. */
  parse(line: string, now: number, bounds: TimeBounds): GraphiteLine {
    const text = line.trim();
    if (text === '') return { kind: 'empty' };
    const fields = text.split(FIELD_SEPARATOR);
    if (fields.length < 2 || fields.length > 3) {
      return refused('format', `expected "path value timestamp", got ${fields.length} fields`);
    }
    const [path = '', valueText = '', timeText] = fields;
    const value = graphiteValue(valueText);
    if (value === undefined) return refused('value', `value "${clip(valueText)}" is not a number`);
    const timestamp = graphiteTimestamp(timeText, now);
    if (timestamp === undefined) {
      return refused('timestamp', `timestamp "${clip(timeText ?? '')}" is not a number of seconds`);
    }
    if (timestamp > bounds.maxTimestamp || timestamp < bounds.minTimestamp) {
      const problem =
        timestamp > bounds.maxTimestamp
          ? 'is ahead of the server clock by more than VITALS_MAX_FUTURE_SKEW'
          : 'is older than raw retention (VITALS_RETENTION_RAW)';
      return refused('timestamp', `timestamp ${timeText} ${problem}`);
    }
    if (value === 'nan') return { kind: 'nan' };
    const series = this.series(path);
    if ('reason' in series) return { kind: 'refused', reason: series.reason, message: series.message };
    return { kind: 'sample', host: series.host, key: series.key, timestamp, value };
  }

  private series(path: string): Series {
    let known = this.resolved.get(path);
    if (known === undefined) {
      known = this.resolve(path);
      if (this.resolved.size >= RESOLVED_MAX) this.resolved.clear();
      this.resolved.set(path, known);
    }
    return known;
  }

  private resolve(metric: string): Series {
    const parts = metric.split(';');
    const labels: Record<string, string> = {};
    let hostTag: string | undefined;
    for (const tag of parts.slice(1)) {
      if (tag === '') continue;
      const eq = tag.indexOf('=');
      if (eq <= 0 || eq === tag.length - 1) {
        return { reason: 'tags', message: `tag "${clip(tag)}" is not name=value` };
      }
      const name = tag.slice(0, eq);
      const value = tag.slice(eq + 1);
      if (name === 'host') hostTag = value;
      else labels[graphiteLabelName(name)] = value;
    }
    const segments = (parts[0] ?? '').split('.').filter((s) => s !== '');
    const { hostSegment } = this.mapping;
    let hostText: string;
    if (hostTag !== undefined) hostText = hostTag;
    else if (hostSegment > 0 && segments.length > hostSegment) {
      hostText = segments.splice(hostSegment - 1, 1)[0] ?? '';
    } else {
      const message =
        hostSegment === 0
          ? `"${clip(metric)}" has no host tag (VITALS_GRAPHITE_HOST_SEGMENT=0)`
          : `"${clip(metric)}" has no host tag and fewer than ${hostSegment + 1} path segments (host at segment ${hostSegment}, then the metric name)`;
      return { reason: 'host', message };
    }
    const host = hostId(hostText);
    if (!ID_PATTERN.test(host)) return { reason: 'host', message: `host "${clip(hostText)}" is not valid` };
    if (segments.length === 0) return { reason: 'name', message: `"${clip(metric)}" has no metric name` };
    try {
      return { host, key: checkSeries(graphiteMetricName(segments), labels, this.limits) };
    } catch (err: unknown) {
      if (!(err instanceof IngestRejectedError)) throw err;
      const reason = err.reason === 'limit_exceeded' ? 'limit' : 'name';
      return { reason, message: err.message };
    }
  }
}

/** Samples of accepted lines, per host, until they are pushed as one write. */
export class GraphiteBatch {
  private readonly builders = new Map<string, BatchBuilder>();
  private count = 0;

  /** Lines (samples) held. */
  get lines(): number {
    return this.count;
  }

  get hostCount(): number {
    return this.builders.size;
  }

  add(host: string, key: string, timestamp: number, value: number): void {
    let builder = this.builders.get(host);
    if (!builder) {
      builder = new BatchBuilder();
      this.builders.set(host, builder);
    }
    builder.add(key, timestamp, value);
    this.count += 1;
  }

  /** The write of `IngestService.push`: one batch per host. */
  build(org: string): { batches: WriteBatch[]; hosts: PushedHost[] } {
    const batches = [...this.builders].map(([host, b]) => b.build(org, host));
    return { batches, hosts: [...this.builders.keys()].map((id) => ({ id })) };
  }

  /** One batch per host, to find which host a refused write was refused for. */
  split(): GraphiteBatch[] {
    return [...this.builders].map(([host, builder]) => {
      const one = new GraphiteBatch();
      one.builders.set(host, builder);
      one.count = builder.timestamps.length;
      return one;
    });
  }
}

function refused(reason: GraphiteReason, message: string): GraphiteLine {
  return { kind: 'refused', reason, message };
}

/** Text quoted in a message, cut short. */
function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
