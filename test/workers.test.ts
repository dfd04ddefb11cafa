import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultHostId } from '../src/agent/index.ts';
import { startPrimary } from '../src/cli/primary.ts';
import { WORKER_HEADER } from '../src/cli/worker.ts';
import { portAnswers } from '../src/redis/index.ts';
import {
  freePort,
  REDIS_SERVER_BIN,
  type RedisServer,
  startRedis,
  uniquePrefix,
  waitFor,
} from './harness/index.ts';
import { trackPid, untrackPid } from './harness/reaper.ts';
import { testConfig } from './support/config.ts';

const root = new URL('..', import.meta.url).pathname;
const SHUTDOWN_MS = 10_000;

interface Reply {
  status: number;
  worker: string | undefined;
  body: string;
}

/** One HTTP exchange; without `agent`, on a connection of its own (closed after), so any worker may take it. */
function call(
  url: string,
  options: { method?: string; token?: string; body?: unknown; agent?: Agent } = {},
): Promise<Reply> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        agent: options.agent ?? false,
        headers: {
          ...(options.token && { authorization: `Bearer ${options.token}` }),
          ...(payload && { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => {
          body += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, worker: res.headers[WORKER_HEADER] as string, body }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

interface Server {
  child: ChildProcess;
  out: string[];
  address: string;
  /** Parsed JSON log lines. */
  logs(): Array<Record<string, unknown>>;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [join(root, 'bin/vitals.js'), 'server'], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid) trackPid(child.pid);
  const out: string[] = [];
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    out.push(...lines);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => out.push(chunk));
  const logs = () =>
    out.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const listening = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`server exited: ${out.join('\n')}`);
      return logs().find((l) => l.msg === 'vitals server listening');
    },
    { timeoutMs: 90_000, intervalMs: 100, message: 'vitals server listening' },
  );
  return { child, out, address: listening.address as string, logs };
}

/** Pid of each worker index, from the primary's latest `worker started` line per index. */
function workerPids(server: Server): Map<number, number> {
  const pids = new Map<number, number>();
  for (const l of server.logs())
    if (l.msg === 'worker started') pids.set(l.index as number, l.workerPid as number);
  return pids;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Workers seen answering `path` over fresh connections, until both have or `tries` run out. */
async function workersAnswering(address: string, path = '/readyz', tries = 20): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < tries && seen.size < 2; i++) {
    const res = await call(`${address}${path}`);
    expect(res.status).toBe(200);
    if (res.worker) seen.add(res.worker);
  }
  return seen;
}

const T0 = Math.floor(Date.now() / 1000) * 1000 - 600_000;

function rangeUrl(address: string, host: string): string {
  return `${address}/api/v1/hosts/${host}/metrics/range?startTime=${T0}&endTime=${Date.now()}&shape=columns&metrics=cpu`;
}

describe('vitals server with VITALS_WORKERS=2', () => {
  let redis: RedisServer;
  let server: Server;
  let token: string;
  beforeAll(async () => {
    redis = await startRedis();
    server = await startServer({
      VITALS_WORKERS: '2',
      REDIS_URL: redis.url,
      VITALS_KEY_PREFIX: uniquePrefix('workers'),
      VITALS_DATA_DIR: join(redis.dir, 'vitals-data'),
      VITALS_LOCAL_AGENT_INTERVAL: '1s',
      VITALS_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_MS),
    });
    // The token is printed once a worker has bootstrapped, which may come after both listen.
    await waitFor(
      () => {
        const i = server.out.findIndex((l) => l.includes('Vitals admin token'));
        return i >= 0 && server.out[i + 1] !== undefined;
      },
      { timeoutMs: 30_000, message: 'the generated admin token' },
    );
    const at = server.out.findIndex((l) => l.includes('Vitals admin token'));
    token = server.out[at + 1]?.trim() ?? '';
  }, 120_000);
  afterAll(async () => {
    if (server?.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await once(server.child, 'exit');
    }
    if (server?.child.pid) untrackPid(server.child.pid);
    await redis?.close();
  });

  it('prints the generated admin token once, and both workers answer on the one port', async () => {
    expect(server.out.filter((l) => l.includes('Vitals admin token')).length).toBe(1);
    expect(token).toMatch(/^vt_/);
    const listening = server.logs().filter((l) => l.msg === 'vitals server listening');
    expect(listening).toEqual([expect.objectContaining({ worker: 0, workers: 2 })]);
    const workerLines = server.logs().filter((l) => l.msg === 'worker listening');
    expect(workerLines.map((l) => l.worker).sort()).toEqual([1, 2]);
    expect(new Set(workerLines.map((l) => l.pid)).size).toBe(2);
    expect(await workersAnswering(server.address)).toEqual(new Set(['1', '2']));
  });

  it('shows every push acknowledged on any of 8 connections to reads on fresh connections', async () => {
    const pushedBy = new Set<string>();
    const readBy = new Set<string>();
    const connections = Array.from({ length: 8 }, (_, c) => c);
    await Promise.all(
      connections.map(async (c) => {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        try {
          for (let i = 0; i < 12; i++) {
            const pushed = await call(`${server.address}/api/v1/ingest`, {
              method: 'POST',
              token,
              agent,
              body: {
                hosts: [
                  { host: `w-${c}`, snapshots: [{ timestamp: T0 + i * 1000, metrics: { 'cpu.usage': i } }] },
                ],
              },
            });
            expect(pushed.status).toBe(200);
            pushedBy.add(pushed.worker ?? '');
            const read = await call(rangeUrl(server.address, `w-${c}`), { token });
            expect(read.status).toBe(200);
            readBy.add(read.worker ?? '');
            const got = JSON.parse(read.body) as { columns: { values: { cpu: number[] } } };
            expect(got.columns.values.cpu).toEqual(Array.from({ length: i + 1 }, (_, k) => k));
            // Newest values too: with workers they come from Redis, not from one worker's hot tier.
            const newest = await call(`${server.address}/api/v1/hosts/w-${c}/metrics/latest?metrics=cpu`, {
              token,
            });
            readBy.add(newest.worker ?? '');
            expect(JSON.parse(newest.body).rows).toEqual([{ timestamp: T0 + i * 1000, cpu: i }]);
          }
        } finally {
          agent.destroy();
        }
      }),
    );
    expect(pushedBy).toEqual(new Set(['1', '2']));
    expect(readBy).toEqual(new Set(['1', '2']));
  });

  it('runs one built-in local agent, not one per worker', async () => {
    const local = defaultHostId();
    await waitFor(
      async () => (await call(`${server.address}/api/v1/hosts/${local}`, { token })).status === 200,
      {
        timeoutMs: 15_000,
        intervalMs: 250,
        message: 'the local host',
      },
    );
    const from = Date.now();
    await new Promise((r) => setTimeout(r, 5000));
    const url = `${server.address}/api/v1/hosts/${local}/metrics/range?startTime=${from}&endTime=${from + 4000}&shape=columns&metrics=cpu`;
    const got = JSON.parse((await call(url, { token })).body) as { count: number };
    // One agent at 1 s: 4 or 5 snapshots in 4 s; two would make 8 to 10.
    expect(got.count).toBeGreaterThanOrEqual(3);
    expect(got.count).toBeLessThanOrEqual(5);
  });

  it('restarts a worker killed with SIGKILL, answering meanwhile from the other', async () => {
    const before = workerPids(server);
    const victim = before.get(2) as number;
    process.kill(victim, 'SIGKILL');
    await waitFor(() => server.logs().some((l) => l.msg === 'worker exited unexpectedly; restarting it'), {
      timeoutMs: 5000,
      message: 'the primary to see the worker die',
    });
    for (let i = 0; i < 6; i++) {
      const res = await call(`${server.address}/readyz`);
      expect(res).toMatchObject({ status: 200, worker: '1' });
    }
    const restarted = await waitFor(
      () => {
        const pid = workerPids(server).get(2);
        const listening = server.logs().filter((l) => l.msg === 'worker listening' && l.pid === pid);
        return pid !== victim && listening.length === 1 && pid;
      },
      { timeoutMs: 60_000, intervalMs: 100, message: 'worker 2 restarted and listening' },
    );
    expect(isAlive(victim)).toBe(false);
    expect(isAlive(restarted)).toBe(true);
    expect(await workersAnswering(server.address)).toEqual(new Set(['1', '2']));
    const exited = server.logs().find((l) => l.msg === 'worker exited unexpectedly; restarting it');
    expect(exited).toMatchObject({ index: 2, workerPid: victim, signal: 'SIGKILL', restartInMs: 1000 });
  }, 90_000);

  it('exits 0 on SIGTERM to the primary, within the deadline, leaving no worker behind', async () => {
    const pids = [...workerPids(server).values()];
    expect(pids.every(isAlive)).toBe(true);
    const started = Date.now();
    server.child.kill('SIGTERM');
    const [code] = await once(server.child, 'exit');
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(SHUTDOWN_MS);
    expect(pids.filter(isAlive)).toEqual([]);
    const done = server.logs().filter((l) => l.msg === 'shutdown complete');
    expect(done.map((l) => l.worker).sort()).toEqual([0, 1, 2]);
  }, 30_000);
});

/** redis-server processes serving `port` (redis-server titles itself `redis-server host:port`). */
function redisServersOn(port: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
        return title.includes('redis-server') && title.endsWith(`:${port}`);
      } catch {
        return false; // exited meanwhile
      }
    })
    .map(Number);
}

describe('the primary of VITALS_WORKERS with no Redis configured', () => {
  it('starts the managed redis-server before the workers, which use it, and stops it after them', async () => {
    const port = await freePort();
    const base = testConfig({ VITALS_WORKERS: '2' });
    // As if the operator named no Redis, on a free port instead of 6379 (which this machine uses).
    const config = { ...base, redis: { ...base.redis, explicit: false, port } };
    const token = `vt_${'m'.repeat(43)}`;
    const primary = await startPrimary(config, pino({ level: 'silent' }), {
      findRedisServer: async () => REDIS_SERVER_BIN,
      exec: { file: join(root, 'bin/vitals.js'), args: ['server'] },
      env: {
        PORT: '0',
        HOST: '127.0.0.1',
        // Two workers compiling the sources at once may stall Redis replies past the socket timeout at
        // start-up (logged as warnings, then reconnected): only errors are of interest here.
        LOG_LEVEL: 'error',
        VITALS_DATA_DIR: config.server.dataDir,
        VITALS_KEY_PREFIX: uniquePrefix('managed-workers'),
        VITALS_ADMIN_TOKEN: token,
        VITALS_LOCAL_AGENT: 'false',
      },
    });
    try {
      expect(primary.managed).toBeDefined();
      expect(redisServersOn(port)).toHaveLength(1);
      expect(await workersAnswering(primary.address, '/readyz')).toEqual(new Set(['1', '2']));
      const pushed = await call(`${primary.address}/api/v1/ingest`, {
        method: 'POST',
        token,
        body: { hosts: [{ host: 'm', snapshots: [{ timestamp: T0, metrics: { 'cpu.usage': 7 } }] }] },
      });
      expect(pushed.status).toBe(200);
      for (let i = 0; i < 4; i++) {
        const read = JSON.parse((await call(rangeUrl(primary.address, 'm'), { token })).body);
        expect(read.columns.values.cpu).toEqual([7]);
      }
    } finally {
      expect(await primary.stop()).toBe(0);
    }
    expect(await portAnswers('127.0.0.1', port)).toBe(false);
    expect(redisServersOn(port)).toEqual([]);
  }, 120_000);
});
