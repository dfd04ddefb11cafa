import {
  formatByFormat,
  formatCsvHeader,
  formatCsvRow,
  formatInfluxHeader,
  formatInfluxLine,
  fromNumber,
  parseSeriesKey,
  type Sample,
  type SampleFormat,
} from '../contract/index.ts';
import { DAY_MS } from './layout.ts';
import type { TsdbContext } from './options.ts';
import { readRaw } from './query/index.ts';

/** `json` is one JSON object per line (NDJSON): `{"timestamp","name","labels","value"}`. */
export type ExportFormat = SampleFormat | 'json';

export interface ExportOptions {
  readonly format: ExportFormat;
  readonly org: string;
  /** Hosts to export; all hosts of the org when empty. */
  readonly hosts: readonly string[];
  readonly from: number;
  readonly to: number;
}

/** Hosts of an org that have stored series, from the storage's hosts index. */
async function hostsOf(ctx: TsdbContext, org: string): Promise<string[]> {
  const members = await ctx.redis.zrange(ctx.keys.hostsIndex(), 0, -1);
  return members
    .filter((m) => m.startsWith(`${org}:`))
    .map((m) => m.slice(org.length + 1))
    .sort();
}

/**
 * The samples of every series, series after series (the exposition formats need a metric's samples
 * together), read a day at a time so a 30-day export never sits in memory whole.
 */
async function* samplesOf(ctx: TsdbContext, options: ExportOptions): AsyncGenerator<Sample[]> {
  const hosts = options.hosts.length > 0 ? options.hosts : await hostsOf(ctx, options.org);
  for (const host of hosts) {
    const series = [...(await ctx.series.all(options.org, host))].sort(([, a], [, b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    for (const [id, key] of series) {
      const { name, labels } = parseSeriesKey(key);
      for (let from = options.from; from <= options.to; from += DAY_MS) {
        const to = Math.min(options.to, from + DAY_MS - 1);
        const points = (await readRaw(ctx, options.org, host, [id], from, to)).get(id);
        if (!points || points.timestamps.length === 0) continue;
        const out: Sample[] = [];
        for (let i = 0; i < points.timestamps.length; i++) {
          out.push({
            name,
            labels,
            timestamp: points.timestamps[i] as number,
            value: points.values[i] as number,
          });
        }
        yield out;
      }
    }
  }
}

/** Output lines (without line breaks) of the export, streamed. */
export async function* exportLines(ctx: TsdbContext, options: ExportOptions): AsyncGenerator<string> {
  if (options.format === 'json') {
    for await (const samples of samplesOf(ctx, options)) {
      for (const s of samples) yield JSON.stringify({ ...s, value: fromNumber(s.value) });
    }
    return;
  }
  const format = options.format;
  if (options.format === 'influx' || options.format === 'csv') {
    const csv = format === 'csv';
    yield csv ? formatCsvHeader() : formatInfluxHeader();
    for await (const samples of samplesOf(ctx, options)) {
      for (const sample of samples) yield csv ? formatCsvRow(sample) : formatInfluxLine(sample);
    }
    return;
  }
  // The exposition formats want one `# TYPE` per metric and `# EOF` once at the end: series come sorted,
  // so a metric's parts arrive together and repeated TYPE lines of the same metric are dropped.
  let lastType = '';
  for await (const samples of samplesOf(ctx, options)) {
    for (const line of formatByFormat(format, samples)) {
      if (line === '# EOF') continue;
      if (line.startsWith('# TYPE ')) {
        if (line === lastType) continue;
        lastType = line;
      }
      yield line;
    }
  }
  if (format === 'openmetrics') yield '# EOF';
}
