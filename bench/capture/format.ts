/**
 * A scrape log of a Prometheus exporter (`bench/capture/capture.sh` writes it) and its compact form,
 * kept in the repository as `bench/data/node-exporter-1s.capture.br`.
 *
 * The log: per scrape, a line `# scrape <unix ms>` then the exposition's sample lines
 * (`name{labels} value`, comments dropped), then an empty line when the scrape got nothing. The compact
 * form is brotli over a text that names every series once and then stores columns, so that a series
 * that changes rarely costs almost nothing:
 *
 *   vitals scrape capture 1
 *   <series count> then one series (`name{labels}`, as exposed) per line
 *   <scrape count> <first timestamp, ms>
 *   per scrape: `<ms since the previous scrape> =` (same series, same order as the previous scrape) or
 *     `<ms since the previous scrape> <series index>…` (the series it exposed, in exposition order)
 *   per series, in index order: its value tokens, one per line, in scrape order
 *
 * Value tokens are kept as the exporter wrote them, so the log is given back byte for byte.
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

const MAGIC = 'vitals scrape capture 1';
const SCRAPE = '# scrape ';

export interface Scrape {
  /** When the scrape started, ms since the Unix epoch. */
  readonly timestamp: number;
  /** Indices into `Capture.series`, in the order the exporter exposed them. */
  readonly series: readonly number[];
  /** The value tokens, parallel to `series`. */
  readonly values: readonly string[];
}

export interface Capture {
  /** Every series seen, `name{labels}` as exposed, in order of first appearance. */
  readonly series: readonly string[];
  readonly scrapes: readonly Scrape[];
}

export class CaptureFormatError extends Error {}

/** Reads a scrape log; throws naming the line for anything else than scrape headers and samples. */
export function parseScrapeLog(text: string): Capture {
  if (!text.endsWith('\n')) throw new CaptureFormatError('the log does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  const ids = new Map<string, number>();
  const scrapes: { timestamp: number; series: number[]; values: string[] }[] = [];
  for (const [i, line] of lines.entries()) {
    const current = scrapes[scrapes.length - 1];
    if (line.startsWith(SCRAPE)) {
      if (current?.series.length === 0 && lines[i - 1] !== '')
        throw new CaptureFormatError(`line ${i}: a scrape without samples must be followed by an empty line`);
      scrapes.push({ timestamp: parseTimestamp(line.slice(SCRAPE.length), i + 1), series: [], values: [] });
    } else if (!current) {
      throw new CaptureFormatError(`line ${i + 1}: the log must start with "${SCRAPE}<ms>"`);
    } else if (line === '') {
      // An empty scrape is written as its header and one empty line; nothing else may be empty.
      if (!lines[i - 1]?.startsWith(SCRAPE))
        throw new CaptureFormatError(`line ${i + 1}: unexpected empty line`);
    } else {
      const space = line.lastIndexOf(' ');
      if (space <= 0 || space === line.length - 1)
        throw new CaptureFormatError(`line ${i + 1}: not "<series> <value>": ${line.slice(0, 200)}`);
      const key = line.slice(0, space);
      const id = ids.get(key) ?? ids.size;
      ids.set(key, id);
      current.series.push(id);
      current.values.push(line.slice(space + 1));
    }
  }
  if (scrapes[scrapes.length - 1]?.series.length === 0 && lines[lines.length - 1] !== '')
    throw new CaptureFormatError('the last scrape has no samples and no empty line');
  return { series: [...ids.keys()], scrapes };
}

function parseTimestamp(text: string, line: number): number {
  if (!/^\d{1,16}$/.test(text)) throw new CaptureFormatError(`line ${line}: bad scrape timestamp "${text}"`);
  return Number(text);
}

/** The scrape log of a capture: the inverse of `parseScrapeLog`. */
export function formatScrapeLog(capture: Capture): string {
  const out: string[] = [];
  for (const s of capture.scrapes) {
    out.push(`${SCRAPE}${s.timestamp}`);
    if (s.series.length === 0) out.push('');
    s.series.forEach((id, k) => {
      out.push(`${capture.series[id] ?? ''} ${s.values[k] ?? ''}`);
    });
  }
  return `${out.join('\n')}\n`;
}

/** The compact form (see the module comment), brotli at its best setting. */
export function encodeCapture(capture: Capture): Buffer {
  const text = Buffer.from(captureText(capture));
  return brotliCompressSync(text, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
      [constants.BROTLI_PARAM_SIZE_HINT]: text.length,
    },
  });
}

/** The compact form before compression (see the module comment). */
export function captureText(capture: Capture): string {
  const lines = [MAGIC, String(capture.series.length), ...capture.series];
  const columns: string[][] = capture.series.map(() => []);
  let previous: readonly number[] | undefined;
  let last = capture.scrapes[0]?.timestamp ?? 0;
  lines.push(`${capture.scrapes.length} ${last}`);
  for (const s of capture.scrapes) {
    const same = previous !== undefined && sameOrder(previous, s.series);
    lines.push(`${s.timestamp - last} ${same ? '=' : s.series.join(' ')}`.trimEnd());
    s.series.forEach((id, k) => {
      columns[id]?.push(s.values[k] ?? '');
    });
    previous = s.series;
    last = s.timestamp;
  }
  for (const column of columns) lines.push(...column);
  return `${lines.join('\n')}\n`;
}

function sameOrder(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Reads the compact form back; throws on anything that is not exactly one. */
export function decodeCapture(compressed: Buffer): Capture {
  const text = brotliDecompressSync(compressed).toString('utf8');
  if (!text.endsWith('\n')) throw new CaptureFormatError('truncated: no final newline');
  const lines = text.slice(0, -1).split('\n');
  let at = 0;
  const next = (): string => {
    const line = lines[at++];
    if (line === undefined) throw new CaptureFormatError(`truncated at line ${at}`);
    return line;
  };
  if (next() !== MAGIC) throw new CaptureFormatError(`not a scrape capture (no "${MAGIC}" header)`);
  const series = Array.from({ length: count(next()) }, next);
  const [scrapeCount = '', first = ''] = next().split(' ');
  let timestamp = Number(first);
  const orders: (readonly number[])[] = [];
  const stamps: number[] = [];
  for (let i = 0; i < count(scrapeCount); i++) {
    const [delta = '', ...ids] = next().split(' ');
    timestamp += Number(delta);
    stamps.push(timestamp);
    const previous = orders[orders.length - 1];
    orders.push(ids[0] === '=' && previous ? previous : ids.map(count));
  }
  const columns = series.map(() => [] as string[]);
  const perSeries = series.map(() => 0);
  for (const order of orders) for (const id of order) perSeries[id] = (perSeries[id] ?? 0) + 1;
  perSeries.forEach((n, id) => {
    for (let k = 0; k < n; k++) columns[id]?.push(next());
  });
  if (at !== lines.length) throw new CaptureFormatError('trailing data after the values');
  const cursors = series.map(() => 0);
  const take = (id: number): string => {
    const k = cursors[id] ?? 0;
    cursors[id] = k + 1;
    return columns[id]?.[k] ?? '';
  };
  const scrapes = orders.map((order, i) => ({
    timestamp: stamps[i] ?? 0,
    series: order,
    values: order.map(take),
  }));
  return { series, scrapes };
}

function count(text: string): number {
  if (!/^\d+$/.test(text)) throw new CaptureFormatError(`expected a count, got "${text.slice(0, 40)}"`);
  return Number(text);
}
