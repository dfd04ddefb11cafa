// The agent against a real server (bin/vitals.js server with a private redis-server): the server goes
// away for several intervals, the agent is restarted with data in its spool, and every snapshot the
// agent collected is stored exactly once, in order.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inspectSpool } from '../src/agent/spool-files.ts';
import { freePort, type RedisServer, sleep, startRedis, uniquePrefix, waitFor } from './harness/index.ts';

const root = new URL('..', import.meta.url).pathname;
const TOKEN = `vt_${'e'.repeat(43)}`;

interface Proc {
  child: ChildProcess;
  lines: string[];
}

function spawnLogged(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  const collect = (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  };
  child.stdout?.setEncoding('utf8').on('data', collect);
  child.stderr?.setEncoding('utf8').on('data', collect);
  return { child, lines };
}

async function stop(proc: Proc): Promise<number | null> {
  if (proc.child.exitCode !== null) return proc.child.exitCode;
  proc.child.kill('SIGTERM');
  const [code] = await once(proc.child, 'exit');
  return code as number | null;
}

const running: Proc[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) await stop(p);
});

describe('vitals agent against a real server', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.close());

  async function serverEnv(): Promise<Record<string, string>> {
    return {
      REDIS_URL: redis.url,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      VITALS_ADMIN_TOKEN: TOKEN,
      VITALS_KEY_PREFIX: uniquePrefix('agent-e2e'),
      VITALS_DATA_DIR: mkdtempSync(join(tmpdir(), 'vitals-agent-e2e-')),
      // Only this test's agent writes, so what is stored is what it sent.
      VITALS_LOCAL_AGENT: 'false',
    };
  }

  async function startServer(env: Record<string, string>): Promise<Proc> {
    const server = spawnLogged([join(root, 'bin/vitals.js'), 'server'], env);
    running.push(server);
    await waitFor(() => server.lines.some((l) => l.includes('vitals server listening')), {
      timeoutMs: 30_000,
      message: 'server listening',
    });
    return server;
  }

  function startAgent(url: string, hostId: string, spoolDir: string): Proc {
    const args = ['--import', 'tsx', join(root, 'src/agent/main.ts'), '--server', url, '--token', TOKEN];
    args.push('--host-id', hostId, '--interval', '1s', '--spool-dir', spoolDir, '--log-level', 'debug');
    const agent = spawnLogged(args, {});
    running.push(agent);
    return agent;
  }

  /** Timestamp → number of series, of every snapshot an agent process spooled (its debug log). */
  function spooled(...agents: Proc[]): Map<number, number> {
    const out = new Map<number, number>();
    for (const line of agents.flatMap((a) => a.lines)) {
      const entry = JSON.parse(line) as { msg?: string; timestamp?: number; series?: number };
      if (entry.msg === 'snapshot spooled' && entry.timestamp !== undefined)
        out.set(entry.timestamp, entry.series ?? 0);
    }
    return out;
  }

  async function stored(url: string, hostId: string): Promise<{ timestamp: number }[]> {
    const res = await fetch(`${url}/api/v1/hosts/${hostId}/metrics/range?startTime=0&limit=10000`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    if (res.status === 404) return [];
    expect(res.status).toBe(200);
    return ((await res.json()) as { rows: { timestamp: number }[] }).rows;
  }

  /** Every spooled snapshot is stored once, in order, with all its series; the spool is empty. */
  async function expectExactlyOnce(url: string, hostId: string, spoolDir: string, agents: Proc[]) {
    const sent = spooled(...agents);
    const rows = await stored(url, hostId);
    expect(rows.map((r) => r.timestamp)).toEqual([...sent.keys()]);
    expect(rows.map((r) => Object.keys(r).length - 1)).toEqual([...sent.values()]);
    expect(inspectSpool(spoolDir).pendingSnapshots).toBe(0);
  }

  const url = (env: Record<string, string>) => `http://127.0.0.1:${env.PORT}`;

  it('stores every collected snapshot exactly once, in order, when the server is stopped for several intervals', async () => {
    const env = await serverEnv();
    let server = await startServer(env);
    const spoolDir = mkdtempSync(join(tmpdir(), 'vitals-agent-e2e-spool-'));
    const agent = startAgent(url(env), 'e2e-outage', spoolDir);
    await waitFor(async () => (await stored(url(env), 'e2e-outage')).length >= 2, {
      timeoutMs: 20_000,
      intervalMs: 250,
    });
    expect(await stop(server)).toBe(0);
    await sleep(5000);
    expect(agent.lines.some((l) => l.includes('cannot deliver'))).toBe(true);
    expect(inspectSpool(spoolDir).pendingSnapshots).toBeGreaterThanOrEqual(4);
    server = await startServer(env);
    await waitFor(() => agent.lines.some((l) => l.includes('server reachable again')), { timeoutMs: 30_000 });
    await sleep(1500);
    expect(await stop(agent)).toBe(0);
    await expectExactlyOnce(url(env), 'e2e-outage', spoolDir, [agent]);
  }, 120_000);

  it('stores every collected snapshot exactly once, in order, when the agent is restarted while its spool holds data', async () => {
    const env = await serverEnv();
    let server = await startServer(env);
    const spoolDir = mkdtempSync(join(tmpdir(), 'vitals-agent-e2e-spool-'));
    const first = startAgent(url(env), 'e2e-restart', spoolDir);
    await waitFor(async () => (await stored(url(env), 'e2e-restart')).length >= 2, {
      timeoutMs: 20_000,
      intervalMs: 250,
    });
    expect(await stop(server)).toBe(0);
    await sleep(3000);
    expect(await stop(first)).toBe(0);
    const held = inspectSpool(spoolDir).pendingSnapshots;
    expect(held).toBeGreaterThanOrEqual(2);
    const second = startAgent(url(env), 'e2e-restart', spoolDir);
    await waitFor(() => second.lines.some((l) => l.includes('spool: replaying what is left')), {
      timeoutMs: 20_000,
    });
    await sleep(2000);
    server = await startServer(env);
    await waitFor(() => second.lines.some((l) => l.includes('server reachable again')), {
      timeoutMs: 30_000,
    });
    await sleep(1500);
    expect(await stop(second)).toBe(0);
    await expectExactlyOnce(url(env), 'e2e-restart', spoolDir, [first, second]);
  }, 120_000);
});
