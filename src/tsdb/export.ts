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
 * together), read one 2-hour window at a time: a 30-day export never sits in memory whole, and the
 * decoding between two chunks of it stays short. Which windows hold data comes from the host's index,
 * read once, so empty stretches of the range cost nothing.
 */
async function* samplesOf(ctx: TsdbContext, options: ExportOptions): AsyncGenerator<Iterable<Sample>> {
  const { org, from, to } = options;
  const hosts = options.hosts.length > 0 ? options.hosts : await hostsOf(ctx, org);
  for (const host of hosts) {
    const index = await readIndexes(ctx, org, host, from, to, false);
    const sealed = new Set(index.raw);
    const heads = new Set(index.heads);
    const windows = unionWindows(index.raw, index.heads);
    const series = [...(await ctx.series.all(org, host))].sort(([, a], [, b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    for (const [id, key] of series) {
      const { name, labels } = parseSeriesKey(key);
      for (const w of windows) {
        const read = await fetchRawWindows(
          ctx,
          org,
          host,
          [id],
          sealed.has(w) ? [w] : [],
          heads.has(w) ? [w] : [],
        );
        const points = slicePoints(read.get(id) ?? emptyPoints, from, to);
        if (points.timestamps.length > 0) yield samplesIn(points, name, labels);
      }
    }
  }
}

/** The points as samples, made as they are taken (a format takes them a chunk at a time). */
function* samplesIn(points: Points, name: string, labels: Sample['labels']): Generator<Sample> {
  for (let k = 0; k < points.timestamps.length; k++) {
    yield { name, labels, timestamp: points.timestamps[k] as number, value: points.values[k] as number };
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
  if (format === 'csv')
    return { head: [formatCsvHeader()], body: (s) => rowLines(s, formatCsvRow), tail: [] };
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
