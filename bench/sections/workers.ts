// HTTP ingest with VITALS_WORKERS=1 and =2 in the same run: the server as `vitals server` runs in
// production (a child process, on a private redis-server), loaded by bench/http-load.ts in its own
// process, 8 connections, ack=durable. CPU time of the server processes and of Redis comes from
// /proc/<pid>/stat, so the cost of a sample (samples per CPU-second) is compared as well as the rate.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, waitFor } from '../../test/harness/index.ts';
import { trackPid, untrackPid } from '../../test/harness/reaper.ts';
import type { Figure } from '../report.ts';

const SECTION = 'HTTP ingest with VITALS_WORKERS (8 connections, ack=durable, load in its own process)';
const root = new URL('../..', import.meta.url).pathname;
const TOKEN = `vt_${'w'.repeat(43)}`;
const CONNECTIONS = 8;
export const SAMPLES_PER_REQUEST = 1000;
/** USER_HZ: the unit of utime and stime in /proc/<pid>/stat (100 on every Linux Node runs on). */
const CLOCK_TICKS = 100;

export type Format = 'json' | 'influx';

export interface LoadResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  duration: number;
}

export function load(
  url: string,
  seconds: number,
  format: Format,
  opts: { connections?: number; hostPrefix?: string; ack?: 'durable' | 'buffered' } = {},
): Promise<LoadResult> {
  const args = ['--import', 'tsx', join(root, 'bench/http-load.ts'), url, TOKEN, String(seconds)];
  args.push('--connections', String(opts.connections ?? CONNECTIONS), '--format', format);
  if (opts.hostPrefix) args.push('--host-prefix', opts.hostPrefix);
  if (opts.ack) args.push('--ack', opts.ack);
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  return once(child, 'exit').then(() => JSON.parse(out.trim().split('\n').pop() ?? '{}') as LoadResult);
}

/** utime + stime in seconds and RSS in MB of one process; zeros for one that is gone. */
export function usage(pid: number): { cpu: number; rssMb: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const rssKb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '0';
    return { cpu: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS, rssMb: Number(rssKb) / 1024 };
  } catch {
    return { cpu: 0, rssMb: 0 };
  }
}

/** Busy and total CPU-seconds of the whole machine so far (first line of /proc/stat). */
export function machineCpu(): { busy: number; total: number } {
  const ticks = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .split(/\s+/)
    .slice(1, 9)
    .map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  // idle and iowait are the 4th and 5th.
  return { busy: (total - (ticks[3] ?? 0) - (ticks[4] ?? 0)) / CLOCK_TICKS, total: total / CLOCK_TICKS };
}

/** Direct children of `pid` (the workers of a primary). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * A `vitals server` with `workers` workers on the Redis `redis` names: a URL, or the variables of a
 * Cluster or Sentinel connection (and a key prefix, for several runs on one Redis).
 */
export async function startServer(
  redis: string | Record<string, string>,
  workers: number,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(root, 'bin/vitals.js'), 'server'], {
    cwd: root,
    env: {
      ...process.env,
      ...(typeof redis === 'string' ? { REDIS_URL: redis } : redis),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      VITALS_WORKERS: String(workers),
      VITALS_ADMIN_TOKEN: TOKEN,
      VITALS_LOCAL_AGENT: 'false',
      VITALS_SELF_MONITOR: 'false',
      VITALS_RATE_LIMIT: '100000000',
      VITALS_RATE_LIMIT_PER_ORG: '100000000',
      VITALS_DATA_DIR: mkdtempSync(join(tmpdir(), 'vitals-bench-workers-')),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.pid) trackPid(child.pid);
  let log = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    log = (log + c).slice(-200_000);
  });
  const line = await waitFor(() => log.split('\n').find((l) => l.includes('vitals server listening')), {
    timeoutMs: 120_000,
    message: `vitals server with ${workers} workers listening`,
  });
  return { child, url: (JSON.parse(line) as { address: string }).address };
}

interface Measured {
  samplesPerSec: number;
  p50: number;
  p99: number;
  /** CPU-seconds of the server processes and of Redis during the load. */
  serverCpu: number;
  redisCpu: number;
  failed: number;
  /** Seconds the load ran. */
  seconds: number;
  /** CPU-seconds the whole machine was busy meanwhile (load generator and anything else included). */
  machineBusy: number;
}

async function measure(
  url: string,
  pids: () => number[],
  redisPid: number,
  seconds: number,
  format: Format,
  ack?: 'buffered',
) {
  await load(url, 2, format, { ack }); // warm-up: JIT, connections, series ids
  const cpuOf = () => pids().reduce((sum, pid) => sum + usage(pid).cpu, 0);
  const [server0, redis0, machine0] = [cpuOf(), usage(redisPid).cpu, machineCpu()];
  const got = await load(url, seconds, format, { ack });
  const [server1, redis1, machine1] = [cpuOf(), usage(redisPid).cpu, machineCpu()];
  return {
    samplesPerSec: (got.requests.total * SAMPLES_PER_REQUEST) / got.duration,
    p50: got.latency.p50,
    p99: got.latency.p99,
    serverCpu: server1 - server0,
    redisCpu: redis1 - redis0,
    failed: got.non2xx + got.errors,
    seconds: got.duration,
    machineBusy: machine1.busy - machine0.busy,
  } satisfies Measured;
}

/** Both formats against a fresh Redis and server with `workers` workers; RSS of its processes after. */
async function run(workers: number, seconds: number) {
  const redis = await startRedis();
  const server = await startServer(redis.url, workers);
  const primary = server.child.pid ?? 0;
  const pids = () => [primary, ...childrenOf(primary)];
  try {
    const json = await measure(server.url, pids, redis.pid, seconds, 'json');
    const influx = await measure(server.url, pids, redis.pid, seconds, 'influx');
    // ack=buffered answers before the flush: it must not be the slower of the two.
    const buffered =
      workers === 1 ? await measure(server.url, pids, redis.pid, seconds, 'influx', 'buffered') : influx;
    const workerPids = workers > 1 ? childrenOf(primary) : [primary];
    const rss = workerPids.map((pid) => usage(pid).rssMb);
    return {
      json,
      influx,
      buffered,
      workerRssMb: rss.reduce((a, b) => a + b, 0) / rss.length,
      primaryRssMb: workers > 1 ? usage(primary).rssMb : 0,
    };
  } finally {
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
    untrackPid(primary);
    await redis.close();
  }
}

function formatFigures(label: string, workers: number, m: Measured): Figure[] {
  const { seconds } = m;
  const at = `${label}, VITALS_WORKERS=${workers}`;
  const cpu = m.serverCpu + m.redisCpu;
  return [
    { section: SECTION, name: `${at}: ingest`, value: m.samplesPerSec, unit: 'samples/s' },
    { section: SECTION, name: `${at}: latency p50`, value: m.p50, unit: 'ms' },
    { section: SECTION, name: `${at}: latency p99`, value: m.p99, unit: 'ms' },
    {
      section: SECTION,
      name: `${at}: CPU of server processes + Redis`,
      value: cpu / seconds,
      unit: 'cores',
      note: `server ${(m.serverCpu / seconds).toFixed(2)}, Redis ${(m.redisCpu / seconds).toFixed(2)}`,
    },
    {
      section: SECTION,
      name: `${at}: CPU of the whole machine (load generator and other processes too)`,
      value: m.machineBusy / seconds,
      unit: 'cores',
      note: `of ${cpus().length}`,
    },
    {
      section: SECTION,
      name: `${at}: samples per CPU-second (server + Redis)`,
      value: (m.samplesPerSec * seconds) / cpu,
      unit: 'samples',
    },
    {
      section: SECTION,
      name: `${at}: failed requests`,
      value: m.failed,
      unit: 'requests',
      target: { op: '≤', value: 0 },
    },
  ];
}

/** VITALS_WORKERS=1 and =2, JSON and line protocol; ratios of 2 to 1. */
export async function workersBench(opts: { seconds: number }): Promise<Figure[]> {
  const one = await run(1, opts.seconds);
  const two = await run(2, opts.seconds);
  const figures: Figure[] = [];
  for (const [label, format] of [
    ['JSON', 'json'],
    ['line protocol', 'influx'],
  ] as const) {
    figures.push(...formatFigures(label, 1, one[format]), ...formatFigures(label, 2, two[format]));
    const perCpu = (m: Measured) => (m.samplesPerSec * m.seconds) / (m.serverCpu + m.redisCpu);
    figures.push(
      {
        section: SECTION,
        name: `${label}: ingest rate, 2 workers / 1`,
        value: two[format].samplesPerSec / one[format].samplesPerSec,
        unit: '×',
      },
      {
        section: SECTION,
        name: `${label}: samples per CPU-second, 2 workers / 1`,
        value: perCpu(two[format]) / perCpu(one[format]),
        unit: '×',
      },
    );
  }
  figures.push(
    {
      section: SECTION,
      name: 'line protocol, VITALS_WORKERS=1: ingest with ack=buffered ÷ ack=durable',
      value: one.buffered.samplesPerSec / one.influx.samplesPerSec,
      unit: '×',
      target: { op: '≥', value: 1 },
      note: `buffered p50 ${one.buffered.p50} ms, p99 ${one.buffered.p99} ms`,
    },
    {
      section: SECTION,
      name: 'RSS of one server process (VITALS_WORKERS=1)',
      value: one.workerRssMb,
      unit: 'MB',
    },
    { section: SECTION, name: 'RSS per worker (VITALS_WORKERS=2)', value: two.workerRssMb, unit: 'MB' },
    { section: SECTION, name: 'RSS of the primary (VITALS_WORKERS=2)', value: two.primaryRssMb, unit: 'MB' },
  );
  return figures;
}
