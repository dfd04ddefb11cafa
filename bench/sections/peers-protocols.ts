import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort, HOST } from '../../test/harness/free-port.ts';
import { sleep } from '../../test/harness/wait.ts';
import type { GraphiteLoadResult, GraphiteLoadSpec } from '../peers/graphite-load.ts';
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

const BEHIND =
  'As for line protocol (the row above): the one server process is the cost per sample — decoding ' +
  '(protobuf, snappy), the hot tier, head encoding and the flush pipelines — on one Node thread.';

/**
 * Prometheus remote_write, OTLP/HTTP and Graphite plaintext (issue 18): the same samples as the line
 * protocol ingest row, each format sent to Vitals and to VictoriaMetrics where it takes it (1.79 takes
 * remote_write and Graphite; OTLP only from 1.92 on, so that row is Vitals alone).
 */
export async function protocolFigures(opts: {
  hosts: number;
  hours: number;
  seed: number;
}): Promise<PeerFigure[]> {
  const fleet = fleetFor(opts);

  const warmup = opts.hosts * WARMUP_ROUNDS;
  const remote: [SystemName, Measured][] = [];
  const otlp: [SystemName, Measured][] = [];
  const graphite: [SystemName, GraphiteMeasured][] = [];

  {
    const vitals = await startVitals();
    try {
      remote.push([
        'vitals',
        await measure(at(vitals, '/api/v1/prom/write', REMOTE_WRITE), fleet, warmup, 'remote-write'),
      ]);
    } finally {
      await vitals.close();
    }
  }
  {
    const vitals = await startVitals();
    try {
      otlp.push(['vitals', await measure(at(vitals, '/v1/metrics', OTLP), fleet, warmup, 'otlp')]);
    } finally {
      await vitals.close();
    }
  }
  {
    const victoria = await startVictoria();
    try {
      remote.push([
        'victoria',
        await measure(at(victoria, '/api/v1/write', REMOTE_WRITE), fleet, warmup, 'remote-write'),
      ]);
    } finally {
      await victoria.close();
    }
  }
  {
    const port = await freePort();
    const vitals = await startVitals({ VITALS_GRAPHITE_PORT: String(port) });
    try {
      graphite.push(['vitals', await graphiteRun(vitals, port, fleet, storedBy(vitals, 'vitals'))]);
    } finally {
      await vitals.close();
    }
  }
  {
    const port = await freePort();
    const victoria = await startVictoria([`-graphiteListenAddr=${HOST}:${port}`]);
    try {
      graphite.push(['victoria', await graphiteRun(victoria, port, fleet, storedBy(victoria, 'victoria'))]);
    } finally {
      await victoria.close();
    }
  }

  const note = `${remote[0]?.[1].load.samples.toLocaleString('en-US')} samples: ${opts.hosts} hosts × ${opts.hours} h at 5 s, ${SNAPSHOTS_PER_BODY} snapshots of one host per request`;
  const row = (
    name: string,
    unit: string,
    better: 'lower' | 'higher',
    values: [SystemName, number][],
    extra?: string,
  ) =>
    ({
      section: SECTION,
      name,
      unit,
      better,
      values: Object.fromEntries(values),
      ...(extra ? { note: extra } : {}),
      behind: BEHIND,
    }) satisfies PeerFigure;
  return [
    row(
      'remote_write ingest',
      'samples/s',
      'higher',
      remote.map(([n, m]) => [n, m.load.samples / m.load.seconds]),
      note,
    ),
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
      otlp.map(([n, m]) => [n, m.load.samples / m.load.seconds]),
      'VictoriaMetrics 1.79 has no OTLP receiver',
    ),
    row(
      'Graphite plaintext ingest, until stored',
      'samples/s',
      'higher',
      graphite.map(([n, g]) => [n, g.samples / g.seconds]),
      `one TCP connection per load connection; timed from the first line written until the system counts every sample stored`,
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
