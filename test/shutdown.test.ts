import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../src/redis/index.ts';
import { type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { headPoints } from './support/tsdb.ts';

const root = new URL('..', import.meta.url).pathname;

describe('shutdown of vitals server', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.close());

  it('writes every acknowledged sample to Redis before exiting 0 on SIGTERM under load', async () => {
    const prefix = uniquePrefix('sigterm');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'test/support/server-load-child.ts')],
      {
        cwd: root,
        env: {
          ...process.env,
          REDIS_URL: redis.url,
          VITALS_KEY_PREFIX: prefix,
          VITALS_DATA_DIR: mkdtempSync(join(tmpdir(), 'vitals-sigterm-')),
          // Nothing is flushed by the timer: everything acknowledged must be written by the shutdown.
          VITALS_FLUSH_INTERVAL_MS: '60000',
          VITALS_FLUSH_BATCH_SIZE: '100000000',
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let acked = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const m of chunk.matchAll(/acked (\d+)/g)) acked = Number(m[1]);
    });
    await waitFor(() => acked >= 20_000, { timeoutMs: 30_000, message: '20k acknowledged samples' });
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    const points = await headPoints(redis.client(), new Keys(prefix), 'acme', 'load');
    const stored = [...points.values()].reduce((s, p) => s + p.timestamps.length, 0);
    expect(stored).toBeGreaterThanOrEqual(acked);
    expect(stored % 200).toBe(0);
  });
});
