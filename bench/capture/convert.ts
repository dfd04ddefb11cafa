// Turns a scrape log (`bench/capture/capture.sh`) into the compact asset the peer benchmark reads:
//   node --import tsx bench/capture/convert.ts <capture.txt> [bench/data/node-exporter-1s.capture.br]
// The asset is decoded again and must give back the log byte for byte before it is written (atomically).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { decodeCapture, encodeCapture, formatScrapeLog, parseScrapeLog } from './format.ts';

const [input, output = new URL('../data/node-exporter-1s.capture.br', import.meta.url).pathname] =
  process.argv.slice(2);
if (!input) throw new Error('usage: convert <capture.txt> [out.capture.br]');

const text = readFileSync(input, 'utf8');
const capture = parseScrapeLog(text);
const compact = encodeCapture(capture);
if (formatScrapeLog(decodeCapture(compact)) !== text)
  throw new Error('the encoded capture does not give back the log exactly; nothing written');
writeFileSync(`${output}.tmp`, compact);
renameSync(`${output}.tmp`, output);

const first = capture.scrapes[0]?.timestamp ?? 0;
const last = capture.scrapes[capture.scrapes.length - 1]?.timestamp ?? 0;
const samples = capture.scrapes.reduce((n, s) => n + s.series.length, 0);
process.stdout.write(
  `${JSON.stringify({
    scrapes: capture.scrapes.length,
    series: capture.series.length,
    samples,
    from: new Date(first).toISOString(),
    to: new Date(last).toISOString(),
    logBytes: Buffer.byteLength(text),
    assetBytes: compact.length,
    output,
  })}\n`,
);
