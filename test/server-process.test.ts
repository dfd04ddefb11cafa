import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { expectHealthy } from './support/health.ts';

const root = new URL('..', import.meta.url).pathname;

interface Started {
  child: ChildProcess;
  lines: string[];
  address: string;
}

async function startServer(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, [join(root, 'bin/vitals.js'), 'server'], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  child.stdout
    ?.setEncoding('utf8')
    .on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => lines.push(chunk));
  const listening = await waitFor(() => lines.find((l) => l.includes('vitals server listening')), {
    timeoutMs: 20_000,
    message: 'server listening',
  });
  return { child, lines, address: (JSON.parse(listening) as { address: string }).address };
}

describe('vitals server process', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.close());

  it('serves /health and exits 0 after an orderly shutdown on SIGTERM', async () => {
    const server = await startServer({
      REDIS_URL: redis.url,
      VITALS_KEY_PREFIX: uniquePrefix('proc'),
      VITALS_DATA_DIR: mkdtempSync(join(tmpdir(), 'vitals-proc-')),
    });
    const res = await fetch(`${server.address}/health`);
    expect(res.headers.get('content-type')).toContain('application/health+json');
    expectHealthy((await res.json()) as Parameters<typeof expectHealthy>[0]);
    server.child.kill('SIGTERM');
    const [code] = await once(server.child, 'exit');
    expect(code).toBe(0);
    expect(server.lines.some((l) => l.includes('shutdown complete'))).toBe(true);
  });

  it('shows the local machine within 10 s of a fresh start (the built-in agent)', async () => {
    const token = `vt_${'l'.repeat(43)}`;
    const server = await startServer({
      REDIS_URL: redis.url,
      VITALS_KEY_PREFIX: uniquePrefix('local'),
      VITALS_DATA_DIR: mkdtempSync(join(tmpdir(), 'vitals-local-')),
      VITALS_ADMIN_TOKEN: token,
    });
    try {
      const started = Date.now();
      const overview = await waitFor(
        async () => {
          const res = await fetch(`${server.address}/api/v1/overview`, {
            headers: { authorization: `Bearer ${token}` },
          });
          const body = (await res.json()) as {
            hosts?: Array<{ status: string; latest: Record<string, unknown> }>;
          };
          return body.hosts?.find((h) => h.status === 'up' && typeof h.latest.cpu === 'number');
        },
        { timeoutMs: 10_000, intervalMs: 250, message: 'local host with CPU in the overview' },
      );
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(overview.latest.memory).toEqual(expect.any(Number));
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
  });

  // npm start first compiles src/ and builds the dashboard when they are out of date: time for both.
  it('exits non-zero naming REDIS_PORT when npm start is given REDIS_PORT=abc', () => {
    const result = spawnSync(process.execPath, [join(root, 'scripts/start.js'), 'server'], {
      cwd: root,
      env: { ...process.env, REDIS_PORT: 'abc' },
      encoding: 'utf8',
      timeout: 150_000,
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('REDIS_PORT');
  }, 180_000);
});
