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
import type { HostRegistrar } from '../ingest/index.ts';
import { checkSample, type TimeBounds, type WriteBatch } from '../tsdb/index.ts';
import { hostOf, ImportHosts } from './import-hosts.ts';
import type { Storage } from './storage.ts';

export const DEFAULT_ORG = 'default';
const BATCH_SAMPLES = 20_000;
const MAX_REPORTED_ERRORS = 20;

export interface ImportOptions {
  readonly file: string;
  readonly format: SampleFormat;
  readonly org: string;
  /** Every sample goes to this host; otherwise the host comes from the text (see `hostOf`). */
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

export interface ImportDeps {
  /** Admits and registers the hosts written, as pushes do (`hostRegistrar`). */
  readonly registrar: HostRegistrar;
  /** Seals the closed windows of one host. */
  seal(org: string, host: string): Promise<unknown>;
}

/** Why a parsed sample cannot be imported, or undefined (host and series validated, time within bounds). */
function problemOf(sample: Sample, host: string | undefined, bounds: TimeBounds): string | undefined {
  if (!host)
    return 'no host: pass --host, or give the line a host (column, tag or label) or an instance label';
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
  // Vitals exports carry the host as the tag or label `host`: it is the host, not a label.
  const parser = createParser(options.format, { defaultTimestamp: Date.now(), hostLabel: true });
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
  hosts: ImportHosts,
  bar: SingleBar | undefined,
  onSample: (host: string, sample: Sample) => Promise<void>,
  onError: (error: ParseError) => void,
): Promise<void> {
  for await (const [item, line] of readItems(options, bar)) {
    if ('error' in item) {
      onError(item.error);
      continue;
    }
    const host = hostOf(item.sample, options.host);
    const problem =
      problemOf(item.sample, host, bounds) ?? (host === undefined ? undefined : await hosts.problemOf(host));
    if (problem || !host) onError({ line, message: problem ?? 'no host', text: item.sample.name });
    else await onSample(host, item.sample);
  }
}

/**
 * Imports a file of samples into storage, registers its hosts as pushed hosts are registered, then
 * seals every closed window it wrote.
 */
export async function importFile(
  storage: Storage,
  options: ImportOptions,
  deps: ImportDeps,
): Promise<ImportReport> {
  const report: ImportReport = { samples: 0, skipped: 0, hosts: [], errors: [] };
  const bounds = storage.tsdb.writer.timeBounds();
  const onError = (error: ParseError) => {
    report.skipped++;
    if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push(error);
  };
  const size = (await stat(options.file)).size;
  const admitted = new ImportHosts(deps.registrar, options.org);
  if (options.strict) {
    await scan(options, bounds, admitted, undefined, async () => {}, onError);
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
      admitted,
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
  await admitted.register(report.hosts);
  for (const host of report.hosts) await deps.seal(options.org, host);
  return report;
}
