import { readFileSync } from 'node:fs';
import { decodeCapture } from '../capture/format.ts';
import { type PeerFigure, printPeers } from '../peers/report.ts';
import { captureFigures } from './peers-capture.ts';
import { extensionFigures, poolFigures } from './peers-extension.ts';
import { INGEST_ROUNDS, ingestFigures } from './peers-ingest.ts';

/** node_exporter scraped every second for 40 minutes (provenance: bench/data/README.md). */
export const CAPTURE_ASSET = new URL('../data/node-exporter-1s.capture.br', import.meta.url);
const DAY = 86_400_000;
/** Vitals seals a 2-hour window 5 minutes after it ends; data older than this is all sealed. */
const SEALED_AFTER_MS = 3 * 3_600_000;

export interface PeersOptions {
  /** Length of the synthetic extension. @defaultValue 30 */
  readonly days: number;
  /** Hosts of the HTTP ingest payloads. */
  readonly hosts: number;
  /** Hours of those hosts' data sent in the HTTP ingest run. */
  readonly hours: number;
  readonly seed: number;
}

/**
 * Vitals beside VictoriaMetrics, InfluxDB and Prometheus (issue 16): each started fresh on loopback
 * with temporary directories for each part, sent the same payloads.
 */
export async function peersBench(opts: PeersOptions): Promise<{ figures: PeerFigure[]; intro: string[] }> {
  const capture = decodeCapture(readFileSync(CAPTURE_ASSET));
  const shift = captureShift(capture.scrapes[capture.scrapes.length - 1]?.timestamp ?? 0, Date.now());
  // Each part's figures are printed as soon as it is done: the whole takes long.
  const part = <T extends PeerFigure | PeerFigure[]>(got: T): T => {
    printPeers(Array.isArray(got) ? got : [got]);
    return got;
  };
  const [storage, ...queries] = part(await captureFigures(capture, shift));
  const extension = part(await extensionFigures(capture, shift, { days: opts.days, seed: opts.seed }));
  const pools = part(await poolFigures(capture, shift, opts.seed));
  const ingest = part(await ingestFigures({ hosts: opts.hosts, hours: opts.hours, seed: opts.seed }));
  return {
    figures: [...(storage ? [storage] : []), extension, ...pools, ...queries, ...ingest],
    intro: INTRO,
  };
}

/**
 * Whole days to add to the capture's timestamps so it ends at least 3 hours before now (every system
 * takes it as recent data within retention, and Vitals has sealed it), at the captured time of day.
 */
export function captureShift(lastTimestamp: number, now: number): number {
  return Math.floor((now - SEALED_AFTER_MS - lastTimestamp) / DAY) * DAY;
}

const INTRO = [
  'Written by `npm run bench -- --peers` (all sections) or `npm run bench -- --only peers` (this one).',
  'Debian packages of each system run on loopback with temporary directories; every part starts them',
  'afresh and sends each the same Influx line protocol bodies (Prometheus gets the same samples as',
  'OpenMetrics, turned into blocks by `promtool tsdb create-blocks-from openmetrics`). Vitals ÷ peer',
  'below 1 means Vitals needs less (bytes, ms) or does less (samples/s); read it with the "better" column.',
  '',
  "- Stored bytes: Vitals, what the stored host's keys hold by Redis' `MEMORY USAGE` (sealed raw",
  '  windows, rollups, series registry, latest values) once every window is sealed: within 2 % of the',
  "  `used_memory` drop when they are deleted, while `used_memory` growth since the server's start moved",
  '  by ±0.1 B/sample between runs of the capture; VictoriaMetrics, its data directory after',
  "  `/internal/force_flush` and a forced merge of every partition; InfluxDB, the database's data and",
  '  WAL directories once the cache is snapshotted and every shard fully compacted; Prometheus, the',
  '  blocks (chunks, index, meta) in 54-hour blocks, the size it compacts to at 30-day retention. Files',
  '  count the smaller of their length and their allocated blocks.',
  '- The real capture: `bench/data/node-exporter-1s.capture.br` (provenance in `bench/data/README.md`),',
  '  sent to a Vitals server over HTTP like to the peers. The extension replays it in 1–10 minute',
  '  segments starting at random scrapes, every fifth scrape, counters kept growing',
  '  (`bench/capture/extend.ts`); Vitals gets its samples through its writer in the bench process (over',
  '  HTTP, parsing a quarter of a billion lines would take the server most of an hour of CPU; what Redis',
  '  holds does not depend on it). Vitals ÷ peer of the storage rows compares memory with disk.',
  '- Queries: median of 100 rounds, systems taking turns, once every system is steady: warm-up blocks',
  '  of 100 rounds until two blocks in a row give no system a median 5 % below its lowest before',
  "  (`bench/steady.ts`; V8 compiles Vitals' read path over its first thousands of queries, the peers are",
  '  compiled programs; the blocks are printed with the run). The floor is CPU per request once every',
  '  system is steady likewise (blocks of 1,000, 10 %). Each round asks for a range 1 ms',
  '  longer, so no answer comes from a cache (VictoriaMetrics runs with `-search.disableCache`). Vitals is',
  '  asked for its column shape (`shape=columns`: one timestamp array and one value array, as compact as',
  "  the peers' answers; the default row shape repeats the series name in every point).",
  `- Ingest: ${INGEST_ROUNDS} rounds of the peak load per system, the systems taking turns, each on a fresh`,
  "  system; a system's rows are those of its median round (its rate in every round is in the row's",
  "  note). The run at half of Vitals' peak is one round each.",
  '- CPU: user + system time from `/proc/<pid>/stat` of the server and its redis-server for Vitals,',
  '  of the one process for the peers. Vitals acknowledges once samples are in Redis (appendfsync',
  '  everysec), InfluxDB once they are in its WAL, VictoriaMetrics once they are buffered in memory.',
];
