import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, waitFor } from '../../test/harness/index.ts';
import type { Figure } from '../report.ts';

const SECTION = 'HTTP ingest (load generator in its own process)';
const root = new URL('../..', import.meta.url).pathname;
const TOKEN = `vt_${'b'.repeat(43)}`;

interface LoadResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
}

async function load(url: string, seconds: number, rate?: number): Promise<LoadResult> {
  const args = [
    '--import',
    'tsx',
    join(root, 'bench/http-load.ts'),
    url,
    TOKEN,
    String(seconds),
    ...(rate ? [String(rate)] : []),
  ];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  await once(child, 'exit');
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as LoadResult;
}

async function startServer(redisUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(root, 'bin/vitals.js'), 'server'], {
    cwd: root,
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      VITALS_ADMIN_TOKEN: TOKEN,
      VITALS_LOCAL_AGENT: 'false',
      VITALS_RATE_LIMIT: '100000000',
      VITALS_DATA_DIR: mkdtempSync(join(tmpdir(), 'vitals-bench-http-')),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let log = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    log += c;
  });
  const line = await waitFor(() => log.split('\n').find((l) => l.includes('vitals server listening')), {
    timeoutMs: 30_000,
  });
  return { child, url: (JSON.parse(line) as { address: string }).address };
}

/** ≥ 300,000 samples/s with durable acknowledgement; p99 < 50 ms at half that rate. */
export async function httpBench(opts: { seconds: number }): Promise<Figure[]> {
  const redis = await startRedis();
  const server = await startServer(redis.url);
  try {
    await load(server.url, 2); // warm-up: JIT, connections, series ids
    const max = await load(server.url, opts.seconds);
    const rate = Math.round(Math.min(max.requests.average, 300) / 2);
    const half = await load(server.url, opts.seconds, rate);
    return [
      {
        section: SECTION,
        name: 'ingest, JSON batches of 1,000 samples, ack=durable',
        value: max.requests.average * 1000,
        unit: 'samples/s',
        target: { op: '≥', value: 300_000 },
      },
      { section: SECTION, name: 'latency p50 at full load', value: max.latency.p50, unit: 'ms' },
      { section: SECTION, name: 'latency p99 at full load', value: max.latency.p99, unit: 'ms' },
      {
        section: SECTION,
        name: `latency p50 at ${rate * 1000} samples/s`,
        value: half.latency.p50,
        unit: 'ms',
      },
      {
        section: SECTION,
        name: `latency p99 at ${rate * 1000} samples/s`,
        value: half.latency.p99,
        unit: 'ms',
        target: { op: '≤', value: 50 },
      },
      {
        section: SECTION,
        name: 'non-2xx responses',
        value: max.non2xx + half.non2xx + max.errors + half.errors,
        unit: 'responses',
        target: { op: '≤', value: 0 },
      },
    ];
  } finally {
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
    await redis.close();
  }
}
