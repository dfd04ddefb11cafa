import { createInfluxParser, ID_PATTERN, type InfluxPrecision } from '../contract/index.ts';
import type { WriteBatch } from '../tsdb/index.ts';
import { IngestRejectedError } from './errors.ts';
import { mayHoldSpecials, newScan, readFastLine } from './influx-lines.ts';
import { checkSampleCount, checkSeries, type IngestLimits } from './limits.ts';
import { BatchBuilder, type PushedHost } from './push-json.ts';

export interface InfluxOptions {
  readonly precision: InfluxPrecision;
  /** Host of lines without a `host` tag (Telegraf adds one to every line by default). */
  readonly host?: string;
  readonly now: number;
}

/** Powers of ten from each precision to ms, as the general parser scales timestamps. */
const PRECISION_SHIFT: Readonly<Record<InfluxPrecision, number>> = { ns: -6, us: -3, ms: 0, s: 3 };

/** Host ids allow fewer characters than a `host` tag may hold (`web-1.example.com:9100` → `web-1.example.com_9100`). */
export function hostId(tag: string): string {
  return tag
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 128);
}

/**
 * Influx line protocol (Telegraf-compatible) → write batches. The `host` tag names the host and is not
 * kept as a label; other tags are labels; field `f` of measurement `m` is the series `m.f`. All or
 * nothing: the first bad line rejects the request, naming its number.
 */
export function batchesFromInflux(
  org: string,
  text: string,
  options: InfluxOptions,
  limits: IngestLimits,
): { batches: WriteBatch[]; hosts: PushedHost[] } {
  const builders = new Map<string, BatchBuilder>();
  let count = 0;
  // Lines of one host follow each other: its builder is looked up only when the host changes.
  let lastHost: string | undefined;
  let last: BatchBuilder | undefined;
  const add = (host: string, key: string, timestamp: number, value: number): void => {
    let builder = host === lastHost ? last : builders.get(host);
    if (!builder) {
      builder = new BatchBuilder();
      builders.set(host, builder);
    }
    lastHost = host;
    last = builder;
    builder.add(key, timestamp, value);
    if (++count > limits.maxSamplesPerRequest) checkSampleCount(count, limits);
  };
  const sink = { sample: add };
  const hostIds = new Map<string, string | undefined>();
  const resolveHost = (tag: string | undefined): string | undefined => {
    if (tag === undefined) return options.host && ID_PATTERN.test(options.host) ? options.host : undefined;
    let id = hostIds.get(tag);
    if (id === undefined && !hostIds.has(tag)) {
      const candidate = hostId(tag);
      id = candidate && ID_PATTERN.test(candidate) ? candidate : undefined;
      hostIds.set(tag, id);
    }
    return id;
  };
  const shift = PRECISION_SHIFT[options.precision];
  // The general parser reads what the fast path leaves (and keeps the escapes header's state).
  const general = createInfluxParser({
    precision: options.precision,
    defaultTimestamp: options.now,
    // Vitals stores numbers: string fields (Telegraf's `uptime_format`, a `status="ok"`) are left out,
    // as VictoriaMetrics does, so Telegraf's outputs work unchanged.
    stringFields: 'skip',
  });
  const special = mayHoldSpecials(text);
  const scan = newScan();
  let lineNo = 0;
  for (let next = 0; next < text.length; ) {
    const newline = text.indexOf('\n', next);
    let start = next;
    let stop = newline < 0 ? text.length : newline;
    next = stop + 1;
    lineNo += 1;
    // As the general runner does: one trailing CR dropped, and a byte order mark before line 1.
    if (stop > start && text.charCodeAt(stop - 1) === 13) stop -= 1;
    if (lineNo === 1 && text.charCodeAt(start) === 0xfeff) start += 1;
    if (readFastLine(text, start, stop, shift, options.now, limits, resolveHost, sink, special, scan))
      continue;
    const line = text.slice(start, stop);
    for (const item of general.feed(line, lineNo)) {
      if ('error' in item) {
        throw new IngestRejectedError('bad_request', `line ${item.error.line}: ${item.error.message}`);
      }
      const { host: tag, ...labels } = item.sample.labels;
      const host = tag !== undefined ? hostId(tag) : options.host;
      if (!host || !ID_PATTERN.test(host)) {
        throw new IngestRejectedError(
          'bad_request',
          `${item.sample.name}: no valid host: add a host tag or the ?host= parameter`,
        );
      }
      add(host, checkSeries(item.sample.name, labels, limits), item.sample.timestamp, item.sample.value);
    }
  }
  if (count === 0) throw new IngestRejectedError('bad_request', 'the body holds no samples');
  const batches = [...builders].map(([host, b]) => b.build(org, host));
  return { batches, hosts: [...builders.keys()].map((id) => ({ id })) };
}
