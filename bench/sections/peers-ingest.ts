import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { sleep } from '../../test/harness/wait.ts';
import { startInflux } from '../peers/influx.ts';
import type { LoadResult, LoadSpec } from '../peers/load.ts';
import type { FleetOptions } from '../peers/payloads.ts';
import { cpuSeconds } from '../peers/proc.ts';
import type { PeerFigure } from '../peers/report.ts';
import type { LineProtocolSystem, SystemName } from '../peers/system.ts';
import { startVictoria } from '../peers/victoria.ts';
import { startVitals } from '../peers/vitals.ts';
import { percentile } from '../report.ts';

const root = new URL('../..', import.meta.url).pathname;
const SECTION = 'HTTP ingest (Influx line protocol, 8 connections, load generator in its own process)';
export const CONNECTIONS = 8;
/** Telegraf-like bodies: one host's 30 snapshots (2.5 min at 5 s), about 900 samples. */
export const SNAPSHOTS_PER_BODY = 30;
/** The first two bodies of every host (they create the series) are sent before timing. */
export const WARMUP_ROUNDS = 2;
/**
 * Rounds of the peak load per system, the systems taking turns: this machine's rate moves by ±15 %
 * and more from one run to the next (the same build took 570k–940k samples/s in runs minutes apart on
 * 2026-12-07), so one run each would compare noise. Each system's figures are those of its median round.
 */
export const INGEST_ROUNDS = 3;
/** After the load, CPU keeps being counted until a second passes with less than 2 % of a core used. */
const IDLE_CORE_SHARE = 0.02;
const FOLLOW_UP_MAX_MS = 60_000;

/** Why Vitals trails on ingest (printed only for rows where it is not level with the best). */
const BEHIND =
  "The load is closed (8 connections), so the rate is what Vitals' one event loop clears: busy ~0.9 " +
  'of a core during the load, while the encoder thread (sealing each window once, as the windows ' +
  'come due during the load, and compacting heads), Redis and the load generator share the second ' +
  "core. The median rounds are close: ÷0.979 in the run of 2026-12-08, 00:06 UTC (InfluxDB's rounds " +
  'spreading 791k–1,334k; samples per CPU-second with the work the load leaves 688k against ' +
  "InfluxDB's 636k), ÷0.948 in the run of 01:06 UTC (rounds 992k/1,027k/1,025k against " +
  '1,068k/1,081k/1,290k; 619k against 670k per CPU-second). Since 2026-12-07, 23:40 UTC the ' +
  "writer's flush starts at the end of the event-loop turn the write came in " +
  '(VITALS_FLUSH_INTERVAL_MS=0, from setImmediate) instead of from a 1 ms timer every durable ' +
  'request waited for: the same load, the two settings taking turns on one machine, went from ' +
  '1,030k–1,115k to 1,150k–1,245k samples/s (docs/storage.md, step 3); two flushes in flight at ' +
  "once instead of one was tried and was slower, and sending a flush's commands to Redis at once " +
  "instead of with the next loop iteration's coalesced write made no difference beyond the noise " +
  '(12 alternating pairs, −12 to +18 %). Event loop profile of this load (2026-12-07, 21:29 UTC): ' +
  'parsing line protocol and building batches ~17 %, the HTTP stack ~10 %, socket writes ~10 % ' +
  '(Redis commands and HTTP responses), garbage collection ~9 %, building the writer flushes ~7 %, ' +
  'handing samples to the writer and the hot tier ~5 %; no single function above 9 %. Earlier that ' +
  'evening: the commands a process sends to Redis within one turn of its event loop leave in one ' +
  'socket write (~12,300 → ~8,300 writes for this load), and the line-protocol fast path reads a ' +
  "field's name and value in one pass (~215 → ~165 ns a sample in isolation). Tried and not kept: " +
  'the encoder thread at a lower priority (nice 10 and 19) and a larger young generation ' +
  "(--max-semi-space-size=64) changed nothing beyond the machine's ±15 % run-to-run noise; two " +
  'processes (VITALS_WORKERS=2) gave 0.996× the rate, the machine having no idle core for them. Per ' +
  "CPU-second VictoriaMetrics needs less than half of Vitals' CPU, and the Node server is ~94 % of " +
  "Vitals' (Redis ~6 %): the event loop ~70 %, the encoder thread ~30 %. Closing that takes a " +
  'per-sample path with no JavaScript object or Redis command per host and flush, which no single ' +
  'change here comes near. Earlier: sealing made ~45 % cheaper (docs/storage.md, "What encoding a ' +
  'window costs"), due windows still being filled no longer sealed again at every maintenance run ' +
  '(~185k → ~290k samples/s), sealing and compaction on their own thread (p99 at the peak 60–74 → ' +
  '26–38 ms), and no Redis writes per request from the limiters and caches.';

export interface Measured {
  readonly load: LoadResult;
  readonly cpuDuring: number;
  readonly cpuAfter: number;
}

/** `hosts` hosts' last `hours` hours (ending 10 minutes ago), SNAPSHOTS_PER_BODY snapshots per body. */
export function fleetFor(opts: { hosts: number; hours: number; seed: number }): FleetOptions {
  const end = Date.now() - 600_000;
  return {
    hosts: opts.hosts,
    start: end - opts.hours * 3_600_000,
    end,
    seed: opts.seed,
    snapshotsPerBody: SNAPSHOTS_PER_BODY,
  };
}

/** The same synthetic 50-host payloads, as fast as 8 connections get them accepted, into each system. */
export async function ingestFigures(opts: {
  hosts: number;
  hours: number;
  seed: number;
  /** Rounds of the peak load per system (INGEST_ROUNDS). */
  rounds?: number;
}): Promise<PeerFigure[]> {
  const fleet = fleetFor(opts);
  // BENCH_PEERS_ONLY=vitals (or a comma-separated list): only those systems, to profile one of them.
  const only = process.env.BENCH_PEERS_ONLY?.split(',');
  const starts = [startVitals, startVictoria, startInflux].filter(
    (_start, i) => !only || only.includes(['vitals', 'victoria', 'influx'][i] ?? ''),
  );
  const rounds = new Map<SystemName, Measured[]>();
  for (let round = 0; round < (opts.rounds ?? INGEST_ROUNDS); round++) {
    for (const start of starts) {
      const system = await start();
      try {
        const m = await measure(system, fleet, opts.hosts * WARMUP_ROUNDS);
        rounds.set(system.name, [...(rounds.get(system.name) ?? []), m]);
        process.stdout.write(
          `  ingest round ${round + 1}, ${system.name}: ${Math.round(rateOf(m)).toLocaleString('en-US')} samples/s\n`,
        );
      } finally {
        await system.close();
      }
    }
  }
  const runs: [SystemName, Measured][] = [...rounds].map(([name, list]) => [name, medianRound(list)]);
  // Then every system afresh, offered half of Vitals' peak rate: the latency at a load with headroom.
  const vitalsPeak = runs.find(([n]) => n === 'vitals')?.[1].load;
  const half = vitalsPeak ? Math.round(vitalsPeak.samples / vitalsPeak.seconds / 2) : undefined;
  const paced: [SystemName, Measured][] = [];
  for (const start of half ? starts : []) {
    const system = await start();
    try {
      paced.push([system.name, await measure(system, fleet, opts.hosts * WARMUP_ROUNDS, undefined, half)]);
    } finally {
      await system.close();
    }
  }
  const row = (
    name: string,
    unit: string,
    better: 'lower' | 'higher',
    f: (m: Measured) => number,
    note?: string,
  ) =>
    ({
      section: SECTION,
      name,
      unit,
      better,
      values: Object.fromEntries(runs.map(([n, m]) => [n, f(m)])),
      ...(note ? { note } : {}),
      behind: BEHIND,
    }) satisfies PeerFigure;
  const samples = runs[0]?.[1].load.samples ?? 0;
  const perRound = [...rounds]
    .map(([name, list]) => `${name} ${list.map((m) => Math.round(rateOf(m) / 1000)).join(' / ')}k`)
    .join('; ');
  const roundsNote = `median of ${rounds.values().next().value?.length ?? 0} rounds, systems taking turns, every row of a system from its median round; rounds in order: ${perRound}`;
  return [
    row('ingest', 'samples/s', 'higher', rateOf, `${fleetNote(opts, samples)}; ${roundsNote}`),
    row('latency p50', 'ms', 'lower', (m) => percentile(m.load.latenciesMs, 0.5)),
    row('latency p99', 'ms', 'lower', (m) => percentile(m.load.latenciesMs, 0.99)),
    ...(half
      ? [
          {
            section: SECTION,
            name: `latency p99 at half of Vitals' peak rate (${half.toLocaleString('en-US')} samples/s offered to each, a fresh system)`,
            unit: 'ms',
            better: 'lower' as const,
            values: Object.fromEntries(paced.map(([n, m]) => [n, percentile(m.load.latenciesMs, 0.99)])),
            behind: BEHIND,
          } satisfies PeerFigure,
        ]
      : []),
    row(
      'samples per CPU-second, during the load',
      'samples/CPU-s',
      'higher',
      (m) => m.load.samples / m.cpuDuring,
    ),
    row(
      'samples per CPU-second, with the work the load leaves behind',
      'samples/CPU-s',
      'higher',
      (m) => m.load.samples / (m.cpuDuring + m.cpuAfter),
      'counted on until the processes idle, at most 60 s: merges, compactions, sealing',
    ),
  ];
}

function rateOf(m: Measured): number {
  return m.load.samples / m.load.seconds;
}

/** The round whose rate is the median (the lower middle one of an even count). */
export function medianRound(list: readonly Measured[]): Measured {
  const sorted = [...list].sort((a, b) => rateOf(a) - rateOf(b));
  const picked = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!picked) throw new Error('no ingest round measured');
  return picked;
}

function fleetNote(opts: { hosts: number; hours: number }, samples: number): string {
  return `${samples.toLocaleString('en-US')} samples: ${opts.hosts} hosts × ${opts.hours} h at 5 s, ${SNAPSHOTS_PER_BODY} snapshots of one host per request`;
}

/** Where the load goes: a system's write URL, its headers, and the processes whose CPU is its own. */
export type LoadTarget = Pick<LineProtocolSystem, 'name' | 'writeUrl' | 'headers' | 'pids'>;

/**
 * The fleet's bodies sent over CONNECTIONS connections by a load generator in its own process, with
 * the target's CPU counted during the load and after it until the target idles.
 */
export async function measure(
  system: LoadTarget,
  fleet: FleetOptions,
  warmup: number,
  format?: LoadSpec['format'],
  /** Offered rate (paced load); as fast as answered without it. */
  samplesPerSec?: number,
): Promise<Measured> {
  const spec: LoadSpec = {
    url: system.writeUrl,
    headers: { ...system.headers },
    fleet,
    warmup,
    connections: CONNECTIONS,
    ...(format ? { format } : {}),
    ...(samplesPerSec ? { samplesPerSec } : {}),
  };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'bench/peers/load.ts'), JSON.stringify(spec)],
    {
      cwd: root,
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const line = await lines.next();
    if (line.done) throw new Error(`the load generator for ${system.name} ended early`);
    return line.value;
  };
  if ((await next()) !== 'ready') throw new Error('the load generator did not get ready');
  const cpu = () => system.pids.reduce((n, pid) => n + cpuSeconds(pid), 0);
  const c0 = cpu();
  child.stdin.end('go\n');
  const load = JSON.parse(await next()) as LoadResult;
  const c1 = cpu();
  if (child.exitCode === null) await once(child, 'exit');
  if (load.failures > 0)
    throw new Error(`${system.name} refused ${load.failures} requests: ${load.firstFailure}`);
  let c2 = c1;
  for (const deadline = Date.now() + FOLLOW_UP_MAX_MS; Date.now() < deadline; ) {
    await sleep(1000);
    const now = cpu();
    const idle = now - c2 < IDLE_CORE_SHARE;
    c2 = now;
    if (idle) break;
  }
  return { load, cpuDuring: c1 - c0, cpuAfter: c2 - c1 };
}
