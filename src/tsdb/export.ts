import {
  createExpositionFamilies,
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
import type { TsdbContext } from './options.ts';
import { emptyPoints, type Points, slicePoints } from './points.ts';
import { fetchRawWindows } from './query/read-raw.ts';
import { readIndexes, unionWindows } from './query/windows.ts';

/** `json` is one JSON object per line (NDJSON): `{"host","name","labels","timestamp","value"}`. */
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

/** One stored series of one host, and the windows of its host that hold data in the range. */
interface ExportSeries {
  readonly host: string;
  readonly id: number;
  readonly key: string;
  readonly name: string;
  readonly windows: HostWindows;
}

interface HostWindows {
  readonly sealed: ReadonlySet<number>;
  readonly heads: ReadonlySet<number>;
  readonly all: readonly number[];
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Metric name first (a family stays together: `cpu` sorts before `cpu.usage`), then host, then labels. */
function bySeries(a: ExportSeries, b: ExportSeries): number {
  return compareText(a.name, b.name) || compareText(a.host, b.host) || compareText(a.key, b.key);
}

/** The series of one host, with which of its windows hold data in the range (read once). */
async function seriesOfHost(ctx: TsdbContext, options: ExportOptions, host: string): Promise<ExportSeries[]> {
  const index = await readIndexes(ctx, options.org, host, options.from, options.to, false);
  const windows = {
    sealed: new Set(index.raw),
    heads: new Set(index.heads),
    all: unionWindows(index.raw, index.heads),
  };
  const series = await ctx.series.all(options.org, host);
  // A metric name holds no `{`: the name is the key up to its labels.
  return [...series].map(([id, key]) => ({ host, id, key, name: key.split('{', 1)[0] ?? key, windows }));
}

/**
 * The series to export, in the order they are written. The exposition formats need every series of a
 * metric together across hosts, so they get every host's series in one list, sorted by metric; the
 * line formats get one host at a time, so an export of many hosts holds one host's series in memory.
 */
async function* seriesToExport(ctx: TsdbContext, options: ExportOptions): AsyncGenerator<ExportSeries[]> {
  const hosts = options.hosts.length > 0 ? options.hosts : await hostsOf(ctx, options.org);
  const exposition = options.format === 'prometheus' || options.format === 'openmetrics';
  const all: ExportSeries[] = [];
  for (const host of hosts) {
    const series = await seriesOfHost(ctx, options, host);
    if (exposition) all.push(...series);
    else yield series.sort(bySeries);
  }
  if (exposition) yield all.sort(bySeries);
}

/**
 * The samples of every series, series after series, each carrying its host, read one 2-hour window at
 * a time: a 30-day export never sits in memory whole, and the decoding between two chunks of it stays
 * short. Which windows hold data comes from each host's index, read once, so empty stretches of the
 * range cost nothing.
 */
async function* samplesOf(ctx: TsdbContext, options: ExportOptions): AsyncGenerator<Iterable<Sample>> {
  const { org, from, to } = options;
  for await (const list of seriesToExport(ctx, options)) {
    for (const { host, id, key, windows } of list) {
      const { name, labels } = parseSeriesKey(key);
      for (const w of windows.all) {
        const sealed = windows.sealed.has(w) ? [w] : [];
        const read = await fetchRawWindows(ctx, org, host, [id], sealed, windows.heads.has(w) ? [w] : []);
        const points = slicePoints(read.get(id) ?? emptyPoints, from, to);
        if (points.timestamps.length > 0) yield samplesIn(points, host, name, labels);
      }
    }
  }
}

/** The points as samples, made as they are taken (a format takes them a chunk at a time). */
function* samplesIn(points: Points, host: string, name: string, labels: Sample['labels']): Generator<Sample> {
  for (let k = 0; k < points.timestamps.length; k++) {
    const timestamp = points.timestamps[k] as number;
    yield { host, name, labels, timestamp, value: points.values[k] as number };
  }
}

/** How one format writes an export: lines before, lines of each batch of samples (lazily), lines after. */
interface LineFormat {
  readonly head: readonly string[];
  body(samples: Iterable<Sample>): Iterable<string>;
  readonly tail: readonly string[];
}

function* jsonLines(samples: Iterable<Sample>): Generator<string> {
  for (const s of samples) yield JSON.stringify({ ...s, value: fromNumber(s.value) });
}

function* rowLines(samples: Iterable<Sample>, row: (sample: Sample) => string): Generator<string> {
  for (const s of samples) yield row(s);
}

function lineFormat(format: ExportFormat): LineFormat {
  if (format === 'json') return { head: [], body: jsonLines, tail: [] };
  if (format === 'csv') {
    const csv = { hostColumn: true };
    return { head: [formatCsvHeader(csv)], body: (s) => rowLines(s, (x) => formatCsvRow(x, csv)), tail: [] };
  }
  if (format === 'influx') {
    return { head: [formatInfluxHeader()], body: (s) => rowLines(s, (x) => formatInfluxLine(x)), tail: [] };
  }
  // The exposition formats want one `# HELP` and `# TYPE` per metric and `# EOF` once at the end: one
  // family table for the whole export writes each metric's header once, before its first batch.
  const families = createExpositionFamilies();
  return {
    head: [],
    *body(samples) {
      for (const line of formatByFormat(format, samples, { families })) {
        if (line !== '# EOF') yield line;
      }
    },
    tail: format === 'openmetrics' ? ['# EOF'] : [],
  };
}

/** Output lines (without line breaks) of the export, streamed. */
export async function* exportLines(ctx: TsdbContext, options: ExportOptions): AsyncGenerator<string> {
  const format = lineFormat(options.format);
  yield* format.head;
  for await (const samples of samplesOf(ctx, options)) yield* format.body(samples);
  yield* format.tail;
}

/**
 * The export as text chunks of about `chunkChars` characters, each line ending in `\n`. Lines are
 * formatted only as chunks are taken, so the work between two chunks stays small whatever a day holds.
 */
export async function* exportChunks(
  ctx: TsdbContext,
  options: ExportOptions,
  chunkChars = 16 * 1024,
): AsyncGenerator<string> {
  const format = lineFormat(options.format);
  let chunk = format.head.map((line) => `${line}\n`).join('');
  for await (const samples of samplesOf(ctx, options)) {
    for (const line of format.body(samples)) {
      chunk += `${line}\n`;
      if (chunk.length < chunkChars) continue;
      yield chunk;
      chunk = '';
    }
  }
  chunk += format.tail.map((line) => `${line}\n`).join('');
  if (chunk.length > 0) yield chunk;
}
