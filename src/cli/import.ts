import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { SingleBar } from 'cli-progress';
import {
  createParser,
  ID_PATTERN,
  LABEL_NAME,
  linesOf,
  METRIC_NAME,
  type ParseError,
  type ParseItem,
  type Sample,
  type SampleFormat,
  seriesKey,
} from '../contract/index.ts';
import { checkSample, type TimeBounds, type WriteBatch } from '../tsdb/index.ts';
import type { Storage } from './storage.ts';

export const DEFAULT_ORG = 'default';
const BATCH_SAMPLES = 20_000;
const MAX_REPORTED_ERRORS = 20;

export interface ImportOptions {
  readonly file: string;
  readonly format: SampleFormat;
  readonly org: string;
  /** Every sample goes to this host; otherwise the host comes from the `instance` label. */
  readonly host?: string;
  /** Abort with nothing written when any line is bad (the file is read twice). */
  readonly strict: boolean;
  readonly progress: boolean;
}

export interface ImportReport {
  samples: number;
  skipped: number;
  hosts: string[];
  /** The first bad lines (at most 20), with line numbers. */
  errors: ParseError[];
}

/** Turns an `instance` label (`host:9100`) into a host id (`host_9100`). */
export function hostFromInstance(instance: string): string {
  return instance
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 128);
}

/** Why a parsed sample cannot be imported, or undefined (host and series validated, time within bounds). */
function problemOf(sample: Sample, host: string | undefined, bounds: TimeBounds): string | undefined {
  if (!host) return 'no host: pass --host or give the sample an instance label';
  if (!ID_PATTERN.test(host)) return `host id "${host}" is not valid`;
  if (!METRIC_NAME.test(sample.name)) return `metric name "${sample.name}" is not valid`;
  const badLabel = Object.keys(sample.labels).find((l) => !LABEL_NAME.test(l));
  if (badLabel !== undefined) return `label name "${badLabel}" is not valid`;
  return checkSample(seriesKey(sample.name, sample.labels), sample.timestamp, sample.value, bounds);
}

class HostBatches {
  private readonly hosts = new Map<
    string,
    { keys: Map<string, number>; series: number[]; ts: number[]; vs: number[] }
  >();
  size = 0;

  add(host: string, sample: Sample): void {
    let b = this.hosts.get(host);
    if (!b) {
      b = { keys: new Map(), series: [], ts: [], vs: [] };
      this.hosts.set(host, b);
    }
    const key = seriesKey(sample.name, sample.labels);
    let idx = b.keys.get(key);
    if (idx === undefined) {
      idx = b.keys.size;
      b.keys.set(key, idx);
    }
    b.series.push(idx);
    b.ts.push(sample.timestamp);
    b.vs.push(sample.value);
    this.size++;
  }

  take(org: string): WriteBatch[] {
    const out = [...this.hosts].map(([host, b]) => ({
      org,
      host,
      seriesKeys: [...b.keys.keys()],
      series: b.series,
      timestamps: b.ts,
      values: b.vs,
    }));
    this.hosts.clear();
    this.size = 0;
    return out;
  }
}

/** Parsed items with the line each came from (a sample's line is needed to report it as bad later). */
async function* readItems(
  options: ImportOptions,
  bar: SingleBar | undefined,
): AsyncGenerator<[ParseItem, number]> {
  const stream = createReadStream(options.file);
  let bytes = 0;
  stream.on('data', (chunk) => {
    bytes += chunk.length;
    bar?.update(bytes);
  });
  const parser = createParser(options.format, { defaultTimestamp: Date.now() });
  let line = 0;
  for await (const raw of linesOf(stream)) {
    line++;
    const text = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).replace(/\r$/, '');
    for (const item of parser.feed(text, line)) yield [item, line];
  }
  for (const item of parser.end()) yield [item, line];
}

/** One pass over the file: samples go to `onSample`, bad lines to `onError`. */
async function scan(
  options: ImportOptions,
  bounds: TimeBounds,
  bar: SingleBar | undefined,
  onSample: (host: string, sample: Sample) => Promise<void>,
  onError: (error: ParseError) => void,
): Promise<void> {
  for await (const [item, line] of readItems(options, bar)) {
    if ('error' in item) {
      onError(item.error);
      continue;
    }
    const host =
      options.host ??
      (item.sample.labels.instance ? hostFromInstance(item.sample.labels.instance) : undefined);
    const problem = problemOf(item.sample, host, bounds);
    if (problem || !host) onError({ line, message: problem ?? 'no host', text: item.sample.name });
    else await onSample(host, item.sample);
  }
}

/** Imports a file of samples into storage, then seals every closed window it wrote. */
export async function importFile(
  storage: Storage,
  options: ImportOptions,
  seal: (org: string, host: string) => Promise<unknown>,
): Promise<ImportReport> {
  const report: ImportReport = { samples: 0, skipped: 0, hosts: [], errors: [] };
  const bounds = storage.tsdb.writer.timeBounds();
  const onError = (error: ParseError) => {
    report.skipped++;
    if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push(error);
  };
  const size = (await stat(options.file)).size;
  if (options.strict) {
    await scan(options, bounds, undefined, async () => {}, onError);
    if (report.skipped > 0) return report;
  }
  const bar = options.progress
    ? new SingleBar({ format: 'importing [{bar}] {percentage}% | {value}/{total} bytes' })
    : undefined;
  bar?.start(size, 0);
  const batches = new HostBatches();
  const hosts = new Set<string>();
  const flush = async () => {
    const taken = batches.take(options.org);
    await storage.tsdb.writer.write(taken, 'buffered');
  };
  try {
    await scan(
      options,
      bounds,
      bar,
      async (host, sample) => {
        batches.add(host, sample);
        hosts.add(host);
        report.samples++;
        if (batches.size >= BATCH_SAMPLES) await flush();
      },
      options.strict ? () => {} : onError,
    );
    if (batches.size > 0) await flush();
    await storage.tsdb.writer.flush();
  } finally {
    bar?.stop();
  }
  report.hosts = [...hosts];
  for (const host of report.hosts) await seal(options.org, host);
  return report;
}
