import { ID_PATTERN, type InfluxPrecision, iterateInflux } from '../contract/index.ts';
import type { WriteBatch } from '../tsdb/index.ts';
import { IngestRejectedError } from './errors.ts';
import { checkSampleCount, checkSeries, type IngestLimits } from './limits.ts';
import { BatchBuilder, type PushedHost } from './push-json.ts';

export interface InfluxOptions {
  readonly precision: InfluxPrecision;
  /** Host of lines without a `host` tag (Telegraf adds one to every line by default). */
  readonly host?: string;
  readonly now: number;
}

/** Host ids allow fewer characters than a `host` tag may hold (`web-1.example.com:9100` → `web-1.example.com_9100`). */
function hostId(tag: string): string {
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
  for (const item of iterateInflux(text, {
    precision: options.precision,
    defaultTimestamp: options.now,
    // Vitals stores numbers: string fields (Telegraf's `uptime_format`, a `status="ok"`) are left out,
    // as VictoriaMetrics does, so Telegraf's outputs work unchanged.
    stringFields: 'skip',
  })) {
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
    const key = checkSeries(item.sample.name, labels, limits);
    let builder = builders.get(host);
    if (!builder) {
      builder = new BatchBuilder();
      builders.set(host, builder);
    }
    builder.add(key, item.sample.timestamp, item.sample.value);
    if (++count > limits.maxSamplesPerRequest) checkSampleCount(count, limits);
  }
  if (count === 0) throw new IngestRejectedError('bad_request', 'the body holds no samples');
  const batches = [...builders].map(([host, b]) => b.build(org, host));
  return { batches, hosts: [...builders.keys()].map((id) => ({ id })) };
}
