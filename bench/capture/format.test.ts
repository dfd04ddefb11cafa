import { existsSync, readFileSync } from 'node:fs';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { captureColumns } from './columns.ts';
import { extendCapture } from './extend.ts';
import {
  CaptureFormatError,
  captureText,
  decodeCapture,
  encodeCapture,
  formatScrapeLog,
  parseScrapeLog,
} from './format.ts';

const ASSET = new URL('../data/node-exporter-1s.capture.br', import.meta.url);

/** A log with what real ones hold: escaped label values, special floats, series coming and going, an empty scrape. */
const LOG = [
  '# scrape 1796505927282',
  'go_gc_duration_seconds{quantile="0"} 1.8524e-05',
  'node_uname_info{nodename="vm",version="#1 SMP PREEMPT_DYNAMIC @0"} 1',
  'node_load1 0.25',
  'odd{path="C:\\\\tmp",say="a \\"b\\", c=d"} NaN',
  '# scrape 1796505928290',
  'go_gc_duration_seconds{quantile="0"} 1.8524e-05',
  'node_uname_info{nodename="vm",version="#1 SMP PREEMPT_DYNAMIC @0"} 1',
  'node_load1 0.5',
  'odd{path="C:\\\\tmp",say="a \\"b\\", c=d"} +Inf',
  '# scrape 1796505929297',
  '',
  '# scrape 1796505930305',
  'node_load1 2.4e+10',
  'go_gc_duration_seconds{quantile="0"} -Inf',
  'node_new_total 7',
  '',
].join('\n');

describe('scrape capture', () => {
  it('does give back the log byte for byte when encoded and decoded', () => {
    const capture = parseScrapeLog(LOG);
    expect(capture.series).toHaveLength(5);
    expect(capture.scrapes.map((s) => s.series.length)).toEqual([4, 4, 0, 3]);
    const decoded = decodeCapture(encodeCapture(capture));
    expect(decoded).toEqual(capture);
    expect(formatScrapeLog(decoded)).toBe(LOG);
  });

  it('does refuse a log with lines that are no samples, naming the line', () => {
    expect(() => parseScrapeLog('node_load1 1\n')).toThrow(/line 1: the log must start/);
    expect(() => parseScrapeLog('# scrape 1\nnode_load1\n')).toThrow(/line 2: not "<series> <value>"/);
    expect(() => parseScrapeLog('# scrape 1\nnode_load1 1\n\n')).toThrow(/line 3: unexpected empty line/);
    expect(() => parseScrapeLog('# scrape x\n')).toThrow(CaptureFormatError);
    expect(() => parseScrapeLog('# scrape 1\nnode_load1 1')).toThrow(/newline/);
  });

  it('does refuse a compact form that was cut short', () => {
    const whole = encodeCapture(parseScrapeLog(LOG));
    const text = brotliDecompressSync(whole).toString();
    const cut = brotliCompressSync(Buffer.from(text.slice(0, text.lastIndexOf('\n', text.length - 2) + 1)));
    expect(() => decodeCapture(cut)).toThrow(/truncated/);
  });

  it('does decode the committed node_exporter capture to exactly what re-encodes to the same bytes', () => {
    expect(existsSync(ASSET)).toBe(true);
    const asset = readFileSync(ASSET);
    const capture = decodeCapture(asset);
    // Exactly what it was made from: re-encoding gives the same text, without brotli's costly best setting.
    expect(captureText(capture)).toBe(brotliDecompressSync(asset).toString('utf8'));
    expect(parseScrapeLog(formatScrapeLog(capture))).toEqual(capture);
    // At least 30 minutes of 1 s scrapes of a few hundred series (bench/data/README.md).
    const first = capture.scrapes[0]?.timestamp ?? 0;
    const last = capture.scrapes[capture.scrapes.length - 1]?.timestamp ?? 0;
    expect(last - first).toBeGreaterThanOrEqual(30 * 60_000);
    expect(capture.scrapes.length).toBeGreaterThan(1700);
    expect(capture.series.length).toBeGreaterThan(300);
  });

  it('does extend a capture with growing counters, captured gauge values and 5 s steps', () => {
    const lines: string[] = [];
    for (let j = 0; j < 1000; j++) {
      lines.push(`# scrape ${1_000_000 + j * 1000 + (j % 3)}`, `c_total ${j * 2}`, `g ${(j * 7) % 13}`);
    }
    const columns = captureColumns(parseScrapeLog(`${lines.join('\n')}\n`));
    const extension = extendCapture(columns, { end: 10_000_000_000, days: 1, stepMs: 5000, seed: 1 });
    const rows = [...extension.rows()];
    expect(rows).toHaveLength(17_280);
    const counter = rows.map((r) => r.values[0] ?? Number.NaN);
    expect(counter.every((v, i) => i === 0 || v - (counter[i - 1] ?? 0) === 10)).toBe(true);
    expect(rows.every((r) => Number.isInteger(r.values[1]) && (r.values[1] ?? -1) < 13)).toBe(true);
    const gaps = rows.slice(1).map((r, i) => r.timestamp - (rows[i]?.timestamp ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(4996);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(5004);
    expect(rows[rows.length - 1]?.timestamp).toBeLessThan(10_000_000_000);
  });
});
