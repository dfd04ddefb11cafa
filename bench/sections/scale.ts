// Ingest with 1, 2 and 3 server processes on one Redis and on a Redis Cluster of three masters, all on
// this machine (issue 17): each process gets its own load generator (bench/http-load.ts, line protocol,
// hosts of its own, 8 connections), all for the same time. CPU-seconds of the server processes, of
// Redis and of the whole machine come from /proc, so the table says where ingest stops growing: a Node
// process at one core, Redis at one core, or the machine's cores.
import { once } from 'node:events';
import { cpus } from 'node:os';
import { type RedisServer, startCluster, startRedis, uniquePrefix } from '../../test/harness/index.ts';
import { untrackPid } from '../../test/harness/reaper.ts';
import type { Figure } from '../report.ts';
import { load, machineCpu, SAMPLES_PER_REQUEST, startServer, usage } from './workers.ts';

const SECTION =
  'Scaling out: ingest with several server processes (line protocol, 8 connections per process)';
/** Per process: the load grows with the processes, so a run stops where the system does, not the clients. */
const CONNECTIONS = 8;

interface Topology {
  readonly label: string;
  readonly env: Record<string, string>;
  readonly redisPids: readonly number[];
  readonly masters: number;
  close(): Promise<void>;
}

async function oneRedis(): Promise<Topology> {
  const redis: RedisServer = await startRedis();
  return {
    label: 'one Redis',
    env: { REDIS_URL: redis.url },
    redisPids: [redis.pid],
    masters: 1,
    close: () => redis.close(),
  };
}

async function cluster(): Promise<Topology> {
  const c = await startCluster({ masters: 3, replicasPerMaster: 0 });
  return {
    label: 'Redis Cluster, 3 masters',
    env: { REDIS_CLUSTER_NODES: c.startupNodes.map((n) => `${n.host}:${n.port}`).join(',') },
    redisPids: c.nodes.map((n) => n.pid),
    masters: 3,
    close: () => c.close(),
  };
}

interface Run {
  readonly processes: number;
  readonly samplesPerSec: number;
  /** Cores used during the load: each server process, Redis (all nodes), the whole machine. */
  readonly serverCores: readonly number[];
  readonly redisCores: number;
  readonly machineCores: number;
  readonly failed: number;
}

async function measure(t: Topology, processes: number, seconds: number): Promise<Run> {
  const prefix = `${uniquePrefix(`scale${processes}`)}:`;
  const servers = await Promise.all(
    Array.from({ length: processes }, () => startServer({ ...t.env, VITALS_KEY_PREFIX: prefix }, 1)),
  );
  try {
    const loadAll = (s: number) =>
      Promise.all(
        servers.map((srv, i) =>
          load(srv.url, s, 'influx', { connections: CONNECTIONS, hostPrefix: `p${i}-` }),
        ),
      );
    await loadAll(2); // warm-up: JIT, connections, series ids
    const pids = servers.map((s) => s.child.pid ?? 0);
    const cpu = () => ({
      servers: pids.map((pid) => usage(pid).cpu),
      redis: t.redisPids.reduce((n, pid) => n + usage(pid).cpu, 0),
      machine: machineCpu().busy,
    });
    const c0 = cpu();
    const got = await loadAll(seconds);
    const c1 = cpu();
    const duration = Math.max(...got.map((g) => g.duration));
    return {
      processes,
      samplesPerSec: got.reduce((n, g) => n + g.requests.total * SAMPLES_PER_REQUEST, 0) / duration,
      serverCores: c1.servers.map((c, i) => (c - (c0.servers[i] ?? 0)) / duration),
      redisCores: (c1.redis - c0.redis) / duration,
      machineCores: (c1.machine - c0.machine) / duration,
      failed: got.reduce((n, g) => n + g.non2xx + g.errors, 0),
    };
  } finally {
    for (const s of servers) {
      s.child.kill('SIGTERM');
      await once(s.child, 'exit');
      untrackPid(s.child.pid ?? 0);
    }
  }
}

/** Where a run stopped growing: a server process near a core, Redis near a core, or the machine. */
function bottleneck(r: Run, cores: number, masters: number): string {
  if (r.machineCores >= cores * 0.9)
    return `the machine (${r.machineCores.toFixed(2)} of ${cores} cores busy)`;
  const busiest = Math.max(...r.serverCores);
  if (busiest >= 0.9) return `Node (a server process at ${busiest.toFixed(2)} cores)`;
  if (r.redisCores / masters >= 0.9) return `Redis (${(r.redisCores / masters).toFixed(2)} cores per master)`;
  // Nothing busy: each connection waits for its durable acknowledgement (a flush every 10 ms) before
  // sending again, so the clients' concurrency sets the rate.
  return `the clients (${CONNECTIONS} connections a process, each waiting for its durable acknowledgement; machine ${r.machineCores.toFixed(2)} of ${cores} cores)`;
}

export async function scaleBench(opts: { seconds: number }): Promise<Figure[]> {
  const cores = cpus().length;
  const figures: Figure[] = [];
  let single: Run | undefined;
  for (const start of [oneRedis, cluster]) {
    const t = await start();
    try {
      for (const processes of [1, 2, 3]) {
        const r = await measure(t, processes, opts.seconds);
        if (t.masters === 1 && processes === 1) single = r;
        const server = r.serverCores.reduce((a, b) => a + b, 0);
        figures.push(
          {
            section: SECTION,
            name: `${t.label}, ${processes} process${processes > 1 ? 'es' : ''}: ingest`,
            value: r.samplesPerSec,
            unit: 'samples/s',
            note: `stops at: ${bottleneck(r, cores, t.masters)}`,
          },
          {
            section: SECTION,
            name: `${t.label}, ${processes} process${processes > 1 ? 'es' : ''}: cores used`,
            value: r.machineCores,
            unit: 'cores',
            note: `servers ${r.serverCores.map((c) => c.toFixed(2)).join(' + ')}, Redis ${r.redisCores.toFixed(2)}, the rest the load generators; ${r.failed} failed requests`,
          },
        );
        if (processes === 1) {
          figures.push({
            section: SECTION,
            name: `${t.label}: samples per core-second of a server process`,
            value: r.samplesPerSec / Math.max(server, 0.01),
            unit: 'samples',
            note: `Redis: ${Math.round(r.samplesPerSec / Math.max(r.redisCores, 0.001)).toLocaleString('en-US')} samples per core-second`,
          });
        }
      }
    } finally {
      await t.close();
    }
  }
  if (single) {
    // Projection, not a measurement: machines of this size each running server processes on all but the
    // share of a core their Redis master takes, with the load generated elsewhere.
    const serverCost = single.serverCores.reduce((a, b) => a + b, 0) / single.samplesPerSec;
    const redisCost = single.redisCores / single.samplesPerSec;
    const perMachine = cores / (serverCost + redisCost);
    for (const machines of [1, 3, 10]) {
      figures.push({
        section: SECTION,
        name: `projection: ${machines} machine${machines > 1 ? 's' : ''} of ${cores} cores, a Cluster master and server processes on each`,
        value: perMachine * machines,
        unit: 'samples/s',
        note: `from the 1-process run: ${(serverCost * 1e6).toFixed(2)} server CPU-µs + ${(redisCost * 1e6).toFixed(3)} Redis CPU-µs per sample; load generated off the machines`,
      });
    }
  }
  return figures;
}
