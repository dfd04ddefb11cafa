import { join } from 'node:path';
import { captureRows } from '../capture/columns.ts';
import type { Capture } from '../capture/format.ts';
import { startInflux } from '../peers/influx.ts';
import { CAPTURE_HOST } from '../peers/payloads.ts';
import { cpuSeconds, removeDir, tempDir } from '../peers/proc.ts';
import { servePrometheus } from '../peers/prometheus.ts';
import type { PeerFigure } from '../peers/report.ts';
import { storeEverywhere } from '../peers/store.ts';
import type { LineProtocolSystem, QueriedSeries, Queryable, QuerySpec, SystemName } from '../peers/system.ts';
import { startVictoria } from '../peers/victoria.ts';
import { startVitals } from '../peers/vitals.ts';
import { median } from '../report.ts';
import { warmNote, warmUntilSteady } from '../steady.ts';

export const STORAGE = 'Storage';
const QUERIES = 'Queries (one series of the real capture, answer read in full over HTTP)';
/** A series that changes at almost every scrape, like most gauges a dashboard shows. */
const SERIES: QueriedSeries = { metric: 'node_memory_MemAvailable_bytes', host: CAPTURE_HOST };
/** Rounds (one query to each system) per warm-up block, and measured after the warm-up. */
const RUNS = 100;

/** The real capture stored by every system, then one of its series queried from each. */
export async function captureFigures(capture: Capture, shiftMs: number): Promise<PeerFigure[]> {
  const workDir = tempDir('capture');
  const systems: LineProtocolSystem[] = [];
  try {
    systems.push(await startVitals(), await startVictoria(), await startInflux());
    const stored = await storeEverywhere(captureRows(capture, shiftMs), capture.series, systems, {
      rowsPerBody: 20,
      inFlight: 2,
      workDir,
      label: 'real capture',
    });
    const first = (capture.scrapes[0]?.timestamp ?? 0) + shiftMs;
    const last = (capture.scrapes[capture.scrapes.length - 1]?.timestamp ?? 0) + shiftMs;
    const minutes = Math.round((last - first) / 60_000);
    const storage: PeerFigure = {
      section: STORAGE,
      name: `real capture: ${stored.samples.toLocaleString('en-US')} samples of ${capture.series.length} series, every 1 s for ${minutes} min`,
      unit: 'B/sample',
      better: 'lower',
      values: perSample(stored.bytes, stored.samples),
      // The same capture, settled to one part each time, took VictoriaMetrics 0.547–0.882 B/sample.
      note: "VictoriaMetrics' figure moves from run to run on this same capture: 0.547–0.661 B/sample in the runs up to 2026-12-07 04:00, 0.882 at 06:45 UTC, one part each time (its sizes are printed with the run)",
      behind: BEHIND.capture,
    };
    const prometheus = await servePrometheus(join(workDir, 'blocks'), tempDir('prometheus'));
    try {
      const queryables: [SystemName, Queryable][] = [
        ...systems.map((s) => [s.name, s] as [SystemName, Queryable]),
        ['prometheus', prometheus],
      ];
      return [storage, ...(await queryFigures(queryables, first, last))];
    } finally {
      await prometheus.close();
    }
  } finally {
    for (const s of systems) await s.close();
    removeDir(workDir);
  }
}

/** Why Vitals trails where it does (printed only for rows where it is not level with the best). */
export const BEHIND = {
  capture:
    'Key by key (docs/storage.md, "Where the bytes go"): raw value columns 0.42 B/sample, of which the ' +
    '92 `node_scrape_collector_duration_seconds` series (5 significant digits of noise at 1e-9 s) take ' +
    'half at 2.2 bytes a value, about their entropy; 1-minute rollups 0.036, hourly 0.025, the series ' +
    'registry 0.009 (20 bytes a series: a fixed cost), latest values and timestamps 0.013, and 0.032 ' +
    'that Redis spends on the window hashes beyond their bytes. Since 2026-12-07 a raw column keeps in ' +
    'its own field only the head that fills an allocator size class exactly (the tail goes into its ' +
    'pack), a rollup column equal to an earlier one (a counter’s max and last) or to the window’s ' +
    'shared counts is one byte, the registry is one front-coded string of the series keys instead ' +
    'of a hash (94 → 20 bytes a series), and while raw lives the 1-minute blocks hold sum and count ' +
    'only (min, max and last are read from raw; retention writes the blocks whole before it drops ' +
    'raw): 0.682 → 0.537 B/sample on the same machine. Closing the rest: an entropy coder for noisy ' +
    'integers, and hourly rollups written only when raw expires.',
  extension:
    'At 5 s a 1-minute rollup bucket holds 12 samples: in two days of this data set (2026-12-07, ' +
    'before lean blocks) raw columns took 0.51 B/sample, 1-minute rollups 0.21, hourly rollups 0.03, ' +
    'and the window hashes beyond their bytes 0.04. Since then the 1-minute blocks hold sum and count ' +
    'alone while raw lives (min, max and last are read from raw), which the long averages need. ' +
    'VictoriaMetrics keeps raw data only and aggregates at query time. Writing no 1-minute rollups ' +
    'until raw expires would save the rest of them, at the price of 30-day averages decoding raw ' +
    '(21.6 ms for a 30-day raw range against 12.8 ms from rollups). And this data set flatters a ' +
    'compressor that finds ' +
    'repeats: it copies 1–10-minute segments of a 40-minute capture, so 30 days hold each captured ' +
    'sequence hundreds of times (in its first 8,192 steps, 48 % of the runs of 4 values of the 162 ' +
    'series with 50 or more distinct values occurred before, against 7.6 % in the capture itself ' +
    'taken every 5th scrape; counted 2026-12-07). The rows "replayed to 1 day" measure it: see their note.',
  pool:
    'Rows of one day replayed from the whole capture or from one of its halves, stored by Vitals and ' +
    'VictoriaMetrics in the same run: the smaller the pool of captured scrapes the segments are copied ' +
    'from, the more often a sequence of values repeats. VictoriaMetrics compresses its blocks with ' +
    'zstd, which finds such repeats: in the first such run (2026-12-07) its bytes fell from 0.53 to ' +
    '0.35–0.37 B/sample with half the pool, while Vitals, which codes each window’s columns on their ' +
    'own, went from 0.81 to 0.80–0.81. Months of real data do not replay a 40-minute pool, so the ' +
    '30-day row understates what VictoriaMetrics would store for them, by an amount these rows cannot ' +
    'give; a capture of a day or more would. Vitals trails on these rows for the reasons of the 30-day row.',
  raw:
    'Since 2026-12-06 the read takes one Redis round trip (the window indexes and the windows they ' +
    'named at the last read, in one pipeline), none once the sealed windows were read and Redis says ' +
    'they are unchanged (tracked reads), and the answer is written straight into bytes, safe ' +
    'integers digit pair by digit pair (JSON.stringify took ~30 % of the CPU per request; the writer ' +
    'takes half the time of the string writer before it, and made this query 12 % faster end to end ' +
    'in paired runs); decoding, shaping the columns and the HTTP stack are the rest.',
  perMinute:
    "Reads of sealed windows that Redis says are unchanged are answered from the server's memory " +
    '(CLIENT TRACKING, docs/storage.md; in paired runs 0.86–0.94 → 0.65–0.71 ms). Since 2026-12-06 ' +
    "(late evening) the route no longer runs TypeBox's Value.Convert on plain-decimal query strings " +
    '(a RegExp per property per request, 6 % of the CPU) nor hashes the answer id when the answer is ' +
    'known cheap to recompute, and rollups from raw points are computed in place. What is left is the ' +
    "HTTP stack (the answer's socket write alone is a fifth of the CPU), the aggregate and the answer. " +
    'A range that reaches an open window still reads its head from Redis. Same code, same machine, scratch runs with only Vitals and VictoriaMetrics taking turns (blocks of 500 after 300 warm-up rounds): ' +
    'Vitals ÷0.76–0.82 of VictoriaMetrics; with a 2 ms pause after each query (four systems taking turns ' +
    'leave each idle that long) both took 2–2.7 ms, and Vitals went from ÷1.11 in the first block to ÷0.89 ' +
    "in the fourth: waking an idle process costs more than the query, and Vitals' cost came down more slowly " +
    'with rounds. The peer run of 2026-12-06, 21:42 UTC, ended its warm-up after 300 rounds.',
  floor:
    'Vitals authenticates the token (cached in-process), applies the per-token and per-org limits ' +
    '(counted in Redis in the background, one call per 20 ms at most), validates the query against ' +
    'its schema, reads the hot tier or the `latest` HASH and writes the answer; the HTTP parsing and ' +
    "the answer's socket write are most of it (profile, 2026-12-06).",
} as const;

export function perSample(
  bytes: Readonly<Partial<Record<SystemName, number>>>,
  samples: number,
): Partial<Record<SystemName, number>> {
  return Object.fromEntries(Object.entries(bytes).map(([k, b]) => [k, b / samples]));
}

async function queryFigures(
  systems: [SystemName, Queryable][],
  from: number,
  to: number,
): Promise<PeerFigure[]> {
  const raw = await timeAll(systems, (q, i) => q.raw(SERIES, from, to + i));
  const perMinute = await timeAll(systems, (q, i) => q.perMinute(SERIES, from, to + i));
  const newest = await timeAll(systems, (q) => q.newest(SERIES, to));
  const floor = await cpuPerRequest(systems, (q) => q.newest(SERIES, to));
  return [
    {
      section: QUERIES,
      name: `${SERIES.metric}, every raw point (${pointsNote(raw.points)})`,
      unit: 'ms',
      better: 'lower',
      values: raw.ms,
      note: `median of ${RUNS} after ${raw.warmUp} warm-up rounds`,
      behind: BEHIND.raw,
    },
    {
      section: QUERIES,
      name: `the same averaged per minute (${pointsNote(perMinute.points)})`,
      unit: 'ms',
      better: 'lower',
      values: perMinute.ms,
      note: `median of ${RUNS} after ${perMinute.warmUp} warm-up rounds`,
      behind: BEHIND.perMinute,
    },
    {
      section: QUERIES,
      name: `its newest value (${pointsNote(newest.points)})`,
      unit: 'ms',
      better: 'lower',
      values: newest.ms,
      note: `median of ${RUNS} after ${newest.warmUp} warm-up rounds`,
      behind: BEHIND.floor,
    },
    {
      section: QUERIES,
      name: `per-request floor: CPU per newest-value query (${FLOOR_RUNS} one after the other, each system alone; Vitals' server and its redis-server together)`,
      unit: 'ms',
      better: 'lower',
      values: floor.cpu,
      note: `after ${floor.warmUp.toLocaleString('en-US')} warm-up requests each`,
      behind: BEHIND.floor,
    },
  ];
}

/** Requests per block of the floor's warm-up, and measured after it. */
const FLOOR_BLOCK = 1000;
const FLOOR_RUNS = 2000;

/**
 * CPU (user + system, `/proc`) each system's processes spend per request, over FLOOR_RUNS requests sent
 * one after the other, one system at a time (so each one's CPU is its own), once every system is
 * steady: blocks of FLOOR_BLOCK requests until no system's CPU per request still falls (bench/steady.ts).
 */
async function cpuPerRequest(
  systems: [SystemName, Queryable][],
  spec: (q: Queryable) => QuerySpec,
): Promise<{ cpu: Partial<Record<SystemName, number>>; warmUp: number }> {
  const perRequest = async (name: SystemName, q: Queryable, n: number) => {
    const request = spec(q);
    const cpu = () => q.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const c0 = cpu();
    for (let i = 0; i < n; i++) {
      const res = await fetch(request.url, { headers: request.headers });
      const body = await res.text();
      if (!res.ok) throw new Error(`${name} query ${request.url}: ${res.status} ${body.slice(0, 300)}`);
    }
    return ((cpu() - c0) * 1000) / n;
  };
  const warm = await warmUntilSteady(
    async () => {
      const block = new Map<SystemName, number>();
      for (const [name, q] of systems) block.set(name, await perRequest(name, q, FLOOR_BLOCK));
      return block;
    },
    { tolerance: 0.1, maxBlocks: 15 },
  );
  process.stdout.write(`floor warm-up, CPU ms per request by block: ${warmNote(warm.history, 3)}\n`);
  const cpu: Partial<Record<SystemName, number>> = {};
  for (const [name, q] of systems) cpu[name] = await perRequest(name, q, FLOOR_RUNS);
  return { cpu, warmUp: warm.blocks * FLOOR_BLOCK };
}

/** "2,401 points", or each system's count when they differ (which would be a finding in itself). */
function pointsNote(points: Partial<Record<SystemName, number>>): string {
  const counts = new Set(Object.values(points));
  if (counts.size === 1) return `${[...counts][0]?.toLocaleString('en-US')} points`;
  return Object.entries(points)
    .map(([s, n]) => `${s} ${n} points`)
    .join(', ');
}

/**
 * Median latency of each system over RUNS queries once every system is steady (blocks of RUNS rounds
 * until no system's median still falls, bench/steady.ts), systems taking turns so that noise from the
 * machine spreads over all of them. Round i asks for a range i ms longer than the data: the same
 * points, but never an answer a cache kept from the round before.
 */
async function timeAll(
  systems: [SystemName, Queryable][],
  spec: (q: Queryable, i: number) => QuerySpec,
): Promise<{
  ms: Partial<Record<SystemName, number>>;
  points: Partial<Record<SystemName, number>>;
  warmUp: number;
}> {
  const points: Partial<Record<SystemName, number>> = {};
  let round = 0;
  const block = async () => {
    const times = new Map<SystemName, number[]>(systems.map(([n]) => [n, []]));
    for (let i = 0; i < RUNS; i++, round++) {
      for (const [name, q] of systems) {
        const request = spec(q, round);
        const t0 = performance.now();
        const res = await fetch(request.url, { headers: request.headers });
        const body = await res.text();
        const ms = performance.now() - t0;
        if (!res.ok) throw new Error(`${name} query ${request.url}: ${res.status} ${body.slice(0, 300)}`);
        times.get(name)?.push(ms);
        points[name] = request.points(body);
      }
    }
    return new Map([...times].map(([n, t]) => [n, median(t)]));
  };
  const warm = await warmUntilSteady(block, { maxBlocks: 30 });
  const label = spec(systems[0]?.[1] as Queryable, 0).url.split('?')[0];
  process.stdout.write(`warm-up of ${label}, median ms by block: ${warmNote(warm.history)}\n`);
  const ms = Object.fromEntries(await block());
  return { ms, points, warmUp: warm.blocks * RUNS };
}
