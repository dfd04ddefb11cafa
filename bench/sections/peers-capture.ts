import { join } from 'node:path';
import { captureRows } from '../capture/columns.ts';
import type { Capture } from '../capture/format.ts';
import { startInflux } from '../peers/influx.ts';
import { CAPTURE_HOST } from '../peers/payloads.ts';
import { removeDir, tempDir } from '../peers/proc.ts';
import { servePrometheus } from '../peers/prometheus.ts';
import type { PeerFigure } from '../peers/report.ts';
import { storeEverywhere } from '../peers/store.ts';
import type { LineProtocolSystem, QueriedSeries, Queryable, QuerySpec, SystemName } from '../peers/system.ts';
import { startVictoria } from '../peers/victoria.ts';
import { startVitals } from '../peers/vitals.ts';
import { median } from '../report.ts';

export const STORAGE = 'Storage';
const QUERIES = 'Queries (one series of the real capture, answer read in full over HTTP)';
/** A series that changes at almost every scrape, like most gauges a dashboard shows. */
const SERIES: QueriedSeries = { metric: 'node_memory_MemAvailable_bytes', host: CAPTURE_HOST };
const RUNS = 30;

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
  return [
    {
      section: QUERIES,
      name: `${SERIES.metric}, every raw point (${pointsNote(raw.points)})`,
      unit: 'ms',
      better: 'lower',
      values: raw.ms,
    },
    {
      section: QUERIES,
      name: `the same averaged per minute (${pointsNote(perMinute.points)})`,
      unit: 'ms',
      better: 'lower',
      values: perMinute.ms,
    },
  ];
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
 * Median latency of each system over RUNS queries after as many warm-ups, systems taking turns so that
 * noise from the machine spreads over all of them. Run i asks for a range i ms longer than the data:
 * the same points, but never an answer a cache kept from the run before.
 */
async function timeAll(
  systems: [SystemName, Queryable][],
  spec: (q: Queryable, i: number) => QuerySpec,
): Promise<{ ms: Partial<Record<SystemName, number>>; points: Partial<Record<SystemName, number>> }> {
  const times = new Map<SystemName, number[]>(systems.map(([n]) => [n, []]));
  const points: Partial<Record<SystemName, number>> = {};
  for (let i = 0; i < 2 * RUNS; i++) {
    for (const [name, q] of systems) {
      const request = spec(q, i);
      const t0 = performance.now();
      const res = await fetch(request.url, { headers: request.headers });
      const body = await res.text();
      const ms = performance.now() - t0;
      if (!res.ok) throw new Error(`${name} query ${request.url}: ${res.status} ${body.slice(0, 300)}`);
      if (i >= RUNS) times.get(name)?.push(ms);
      points[name] = request.points(body);
    }
  }
  return { ms: Object.fromEntries([...times].map(([n, t]) => [n, median(t)])), points };
}
