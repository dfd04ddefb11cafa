import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../src/cli/runtime.ts';
import { type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { testConfig } from './support/config.ts';

async function healthStatus(runtime: Runtime): Promise<string> {
  const res = await runtime.app.inject({ url: '/health' });
  return (res.json() as { status: string }).status;
}

describe('/health against a real Redis', () => {
  let redis: RedisServer;
  let runtime: Runtime;

  beforeAll(async () => {
    redis = await startRedis();
    const config = testConfig({ REDIS_URL: redis.url, VITALS_KEY_PREFIX: uniquePrefix('health') });
    runtime = await createRuntime(config, pino({ level: 'silent' }));
    await runtime.listen();
  });
  afterAll(async () => {
    await runtime?.close();
    await redis?.close();
  });

  it('passes with the PING round trip in ms when Redis answers', async () => {
    await waitFor(async () => (await healthStatus(runtime)) === 'pass', { timeoutMs: 5000 });
    const body = (await runtime.app.inject({ url: '/health' })).json();
    const [check] = body.checks['redis:connectivity'];
    expect(check).toMatchObject({ componentType: 'datastore', observedUnit: 'ms', status: 'pass' });
    expect(typeof check.observedValue).toBe('number');
  });

  it('turns to warn within 10 s when Redis stops, stays up, and passes again after a restart', async () => {
    await redis.stop();
    const t0 = Date.now();
    await waitFor(async () => (await healthStatus(runtime)) === 'warn', { timeoutMs: 10_000 });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await runtime.app.inject({ url: '/livez' })).statusCode).toBe(200);
    await redis.restart();
    await waitFor(async () => (await healthStatus(runtime)) === 'pass', {
      timeoutMs: 10_000,
      message: 'pass after restart',
    });
  });

  it('turns to warn within 10 s when Redis is frozen, and passes again once it resumes', async () => {
    redis.freeze();
    try {
      const t0 = Date.now();
      await waitFor(async () => (await healthStatus(runtime)) === 'warn', { timeoutMs: 10_000 });
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      redis.thaw();
    }
    await waitFor(async () => (await healthStatus(runtime)) === 'pass', {
      timeoutMs: 10_000,
      message: 'pass after thaw',
    });
  });
});

describe('/health when Redis refuses the password', () => {
  let redis: RedisServer;
  let runtime: Runtime | undefined;
  beforeAll(async () => {
    redis = await startRedis({ password: 'right-secret' });
  });
  afterAll(async () => {
    await runtime?.close();
    await redis?.close();
  });

  it('is fail (503) with a message about the credentials, not warn', async () => {
    const config = testConfig({
      REDIS_URL: `redis://:wrong@${redis.host}:${redis.port}`,
      VITALS_KEY_PREFIX: uniquePrefix('health-auth'),
    });
    runtime = await createRuntime(config, pino({ level: 'silent' }));
    await runtime.listen();
    const app = runtime.app;
    await waitFor(async () => (await healthStatus(runtime as Runtime)) === 'fail', { timeoutMs: 10_000 });
    const res = await app.inject({ url: '/health' });
    expect(res.statusCode).toBe(503);
    const [check] = res.json().checks['redis:connectivity'];
    expect(check).toMatchObject({ status: 'fail' });
    expect(check.output).toMatch(/refused the credentials/);
  });
});
