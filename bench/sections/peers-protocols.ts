import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort, HOST } from '../../test/harness/free-port.ts';
import { sleep } from '../../test/harness/wait.ts';
import type { GraphiteLoadResult, GraphiteLoadSpec } from '../peers/graphite-load.ts';
import type { LoadSpec } from '../peers/load.ts';
import type { FleetOptions } from '../peers/payloads.ts';
import type { PeerFigure } from '../peers/report.ts';
import type { LineProtocolSystem, SystemName } from '../peers/system.ts';
import { startVictoria } from '../peers/victoria.ts';
import { startVitals } from '../peers/vitals.ts';
import { percentile } from '../report.ts';
import {
  CONNECTIONS,
  fleetFor,
  type LoadTarget,
  type Measured,
  measure,
  SNAPSHOTS_PER_BODY,
  WARMUP_ROUNDS,
} from './peers-ingest.ts';

const root = new URL('../..', import.meta.url).pathname;
const SECTION =
  'Ingest by protocol (same 50-host payloads, 8 connections, load generator in its own process)';
/** Graphite paths: `<host>.<metric>`, the host in the first segment, where Vitals reads it by default. */
const GRAPHITE_PREFIX = '';
const STORED_TIMEOUT_MS = 10 * 60_000;

/** Why Vitals trails, per row (printed only where it is not level with the best). */
const BEHIND = {
  http:
    'The same cost as for line protocol (its row here, and the peer comparison above, with a profile): ' +
    'one Node thread per sample in the ingest path every format shares (handing samples on, sealing ' +
    'and compacting heads, the flushes, GC), against VictoriaMetrics on both cores; decoding the ' +
    'format itself is a small part (remote_write runs within a few % of line protocol). Closing it is ' +
    'issue 16: several processes or worker threads, and an allocation-free path to the head records.',
  graphite:
    'Lines are batched per connection (1,000 lines or 100 ms, one push in flight) into the same ingest ' +
    'path as HTTP, so the per-sample cost of that path decides, as for the HTTP rows.',
};

/**
 * Prometheus remote_write, OTLP/HTTP and Graphite plaintext (issue 18), with line protocol as the
 * reference: the same samples in each format, each sent to a fresh Vitals and to a fresh
 * VictoriaMetrics where it takes the format (1.79 takes remote_write, line protocol and Graphite; OTLP
 * only from 1.92 on, so that row is Vitals alone).
 */
export async function protocolFigures(opts: {
  hosts: number;
  hours: number;
  seed: number;
}): Promise<PeerFigure[]> {
  const fleet = fleetFor(opts);
  const warmup = opts.hosts * WARMUP_ROUNDS;
  /** Starts `system`, runs `work` on it, stops it. */
  const on = async <S extends { close(): Promise<void> }, T>(
    start: () => Promise<S>,
    work: (s: S) => Promise<T>,
  ) => {
    const system = await start();
    try {
      return await work(system);
    } finally {
      await system.close();
    }
  };
  const http = async (
    format: LoadSpec['format'],
    vitalsPath: string,
    victoriaPath: string | undefined,
    headers: Record<string, string>,
  ) => {
    const got: [SystemName, Measured][] = [
      ['vitals', await on(startVitals, (v) => measure(at(v, vitalsPath, headers), fleet, warmup, format))],
    ];
    if (victoriaPath)
      got.push([
        'victoria',
        await on(startVictoria, (v) => measure(at(v, victoriaPath, headers), fleet, warmup, format)),
      ]);
    return got;
  };
  const lines = await http(undefined, '/api/v1/write?precision=ms', '/write?precision=ms', {});
  const remote = await http('remote-write', '/api/v1/prom/write', '/api/v1/write', REMOTE_WRITE);
  const otlp = await http('otlp', '/v1/metrics', undefined, OTLP);
  const graphitePort = await freePort();
  const graphite: [SystemName, GraphiteMeasured][] = [
    [
      'vitals',
      await on(
        () => startVitals({ VITALS_GRAPHITE_PORT: String(graphitePort) }),
        (v) => graphiteRun(v, graphitePort, fleet, storedBy(v, 'vitals')),
      ),
    ],
    [
      'victoria',
      await on(
        () => startVictoria([`-graphiteListenAddr=${HOST}:${graphitePort}`]),
        (v) => graphiteRun(v, graphitePort, fleet, storedBy(v, 'victoria')),
      ),
    ],
  ];

  const note = `${lines[0]?.[1].load.samples.toLocaleString('en-US')} samples: ${opts.hosts} hosts × ${opts.hours} h at 5 s, ${SNAPSHOTS_PER_BODY} snapshots of one host per request`;
  const row = (
    name: string,
    unit: string,
    better: 'lower' | 'higher',
    values: [SystemName, number][],
    extra?: string,
    behind = BEHIND.http,
  ): PeerFigure => ({
    section: SECTION,
    name,
    unit,
    better,
    values: Object.fromEntries(values),
    ...(extra ? { note: extra } : {}),
    behind,
  });
  const rate = (runs: [SystemName, Measured][]): [SystemName, number][] =>
    runs.map(([n, m]) => [n, m.load.samples / m.load.seconds]);
  return [
    row('Influx line protocol ingest (reference)', 'samples/s', 'higher', rate(lines), note),
    row('remote_write ingest', 'samples/s', 'higher', rate(remote)),
    row(
      'remote_write latency p99',
      'ms',
      'lower',
      remote.map(([n, m]) => [n, percentile(m.load.latenciesMs, 0.99)]),
    ),
    row(
      'remote_write samples per CPU-second, with the work the load leaves behind',
      'samples/CPU-s',
      'higher',
      remote.map(([n, m]) => [n, m.load.samples / (m.cpuDuring + m.cpuAfter)]),
    ),
    row(
      'OTLP/HTTP (protobuf) ingest',
      'samples/s',
      'higher',
      rate(otlp),
      'VictoriaMetrics 1.79 has no OTLP receiver',
    ),
    row(
      'Graphite plaintext ingest, until stored',
      'samples/s',
      'higher',
      graphite.map(([n, g]) => [n, g.samples / g.seconds]),
      'one TCP connection per load connection; timed from the first line written until the system counts every sample stored',
      BEHIND.graphite,
    ),
  ];
}

const REMOTE_WRITE = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
};
const OTLP = { 'content-type': 'application/x-protobuf' };

function at(system: LineProtocolSystem, path: string, headers: Record<string, string>): LoadTarget {
  return {
    name: system.name,
    writeUrl: `${system.url}${path}`,
    headers: { ...system.headers, ...headers },
    pids: system.pids,
  };
}

/** Samples the system counts as stored, from its own /metrics. */
function storedBy(system: LineProtocolSystem, name: SystemName): () => Promise<number> {
  const [metric, filter] =
    name === 'victoria' ? ['vm_rows_inserted_total', 'type="graphite"'] : ['vitals_ingest_samples_total', ''];
  return async () => {
    const text = await (await fetch(`${system.url}/metrics`, { headers: { ...system.headers } })).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(metric) || !line.includes(filter)) continue;
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  };
}

interface GraphiteMeasured {
  readonly samples: number;
  readonly seconds: number;
}

async function graphiteRun(
  system: LineProtocolSystem,
  port: number,
  fleet: FleetOptions,
  stored: () => Promise<number>,
): Promise<GraphiteMeasured> {
  const spec: GraphiteLoadSpec = {
    host: HOST,
    port,
    fleet,
    connections: CONNECTIONS,
    prefix: GRAPHITE_PREFIX,
  };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'bench/peers/graphite-load.ts'), JSON.stringify(spec)],
    { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const line = await lines.next();
    if (line.done) throw new Error(`the Graphite load generator for ${system.name} ended early`);
    return line.value;
  };
  const ready = await next();
  const samples = Number(ready.split(' ')[1]);
  const before = await stored();
  const t0 = performance.now();
  child.stdin.end('go\n');
  JSON.parse(await next()) as GraphiteLoadResult;
  if (child.exitCode === null) await once(child, 'exit');
  const deadline = Date.now() + STORED_TIMEOUT_MS;
  for (;;) {
    const got = (await stored()) - before;
    if (got >= samples) break;
    if (Date.now() > deadline)
      throw new Error(`${system.name} stored ${got} of ${samples} Graphite samples in 10 minutes`);
    await sleep(20);
  }
  return { samples, seconds: (performance.now() - t0) / 1000 };
}

export const PROTOCOL_INTRO = [
  'Written by `npm run bench -- --only protocols` (or with `--peers`). The synthetic 50-host fleet of the',
  'line-protocol ingest row, encoded once per format and sent to a fresh Vitals server (durable',
  'acknowledgement: a 2xx means in Redis) and a fresh VictoriaMetrics on loopback. Metric names are',
  'spelled as Prometheus spells them (`cpu.core.usage` → `cpu_core_usage`); the host is the `instance`',
  "label (remote_write), the resource's `host.name` (OTLP) or the path's first segment (Graphite).",
  'Graphite has no answers: its row is timed from the first line written until the system counts every',
  'sample in its own /metrics (`vitals_ingest_samples_total`, `vm_rows_inserted_total{type="graphite"}`).',
];
