import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createRuntime } from '../src/cli/runtime.ts';
import type { Config } from '../src/config/index.ts';
import { freePort, waitFor } from './harness/index.ts';
import { testConfig } from './support/config.ts';

const silent = pino({ level: 'silent' });

/** A config as if the operator named no Redis, aimed at a free port instead of 6379 (taken on this machine). */
function unconfigured(port: number, dataDir?: string): Config {
  const base = testConfig(dataDir ? { VITALS_DATA_DIR: dataDir } : {});
  return { ...base, redis: { ...base.redis, explicit: false, port } };
}

describe('managed redis-server', () => {
  it('starts one with AOF and noeviction when nothing answers, and keeps data across restarts', async () => {
    const port = await freePort();
    const config = unconfigured(port);
    const first = await createRuntime(config, silent);
    try {
      expect(first.managed).toBeDefined();
      await waitFor(() => first.redis.status === 'ready', { timeoutMs: 5000 });
      expect(await first.redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await first.redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      expect(await first.redis.config('GET', 'dir')).toEqual(['dir', `${config.server.dataDir}/redis`]);
      await first.redis.set('vitals-test:kept', 'yes');
    } finally {
      await first.close();
    }

    const second = await createRuntime(unconfigured(port, config.server.dataDir), silent);
    try {
      await waitFor(() => second.redis.status === 'ready', { timeoutMs: 5000 });
      expect(await second.redis.get('vitals-test:kept')).toBe('yes');
    } finally {
      await second.close();
    }
  });

  it('never replaces an explicitly configured Redis', async () => {
    const port = await freePort();
    const config = testConfig({ REDIS_URL: `redis://127.0.0.1:${port}` });
    const runtime = await createRuntime(config, silent);
    try {
      expect(runtime.managed).toBeUndefined();
      const res = await runtime.app.inject({ url: '/health' });
      expect(res.json().status).toBe('warn');
    } finally {
      await runtime.close();
    }
  });

  it('runs degraded with health warn when redis-server is not installed', async () => {
    const runtime = await createRuntime(unconfigured(await freePort()), silent, {
      findRedisServer: async () => undefined,
    });
    try {
      expect(runtime.managed).toBeUndefined();
      const body = (await runtime.app.inject({ url: '/health' })).json();
      expect(body.status).toBe('warn');
      expect(body.checks['redis:connectivity'][0].output).toContain('running degraded');
    } finally {
      await runtime.close();
    }
  });
});
