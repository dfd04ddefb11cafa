import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';
import { scopedTokens } from './support/auth-suite.ts';

const T0 = Math.floor((Date.now() - 3 * 3_600_000) / 60_000) * 60_000;

describe("the seed services' routes, as aliases of the current ones", () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let read: string;
  const get = async (url: string, token?: string) => {
    const res = await env.call('GET', url, token === undefined ? {} : { token });
    return { status: res.statusCode, body: res.json() };
  };
  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('seed-aliases'));
    read = (await scopedTokens(env.runtime.api.tenancy, 'default')).read;
    const snapshots = Array.from({ length: 30 }, (_, i) => ({
      timestamp: T0 + i * 60_000,
      metrics: { 'cpu.usage': i, 'mem.used_pct': 50 },
    }));
    const res = await env.call('POST', '/api/v1/ingest', {
      payload: { hosts: [{ host: 'web-1', snapshots }] },
    });
    expect(res.statusCode).toBe(200);
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('answers range as {metrics, count}: the rows of the current range route', async () => {
    const query = `startTime=${T0}&endTime=${T0 + 9 * 60_000}&limit=5`;
    const current = await get(`/api/v1/hosts/web-1/metrics/range?${query}`);
    const seed = await get(`/api/hosts/web-1/metrics/range?${query}`, read);
    expect(seed.status).toBe(200);
    expect(seed.body).toEqual({ metrics: current.body.rows, count: current.body.count });
    expect(seed.body.count).toBe(5);
    expect(seed.body.metrics[2]).toEqual({ timestamp: T0 + 120_000, cpu: 2, memory: 50 });
  });

  it('answers recent as {metrics, count}: the rows of the current recent route', async () => {
    const current = await get('/api/v1/hosts/web-1/metrics/recent?count=3');
    const seed = await get('/api/hosts/web-1/metrics/recent?count=3', read);
    expect(seed.body).toEqual({ metrics: current.body.rows, count: 3 });
    expect(seed.body.metrics.map((r: { cpu: number }) => r.cpu)).toEqual([27, 28, 29]);
  });

  it('refuses what the current routes refuse: bad parameters, unknown hosts, no token', async () => {
    const bad = await get('/api/hosts/web-1/metrics/recent?count=0');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('count');
    expect((await get('/api/hosts/web-1/metrics/range?shape=columns')).status).toBe(400);
    expect((await get('/api/hosts/nobody/metrics/range')).status).toBe(404);
    const anonymous = await env.runtime.app.inject({ url: '/api/hosts/web-1/metrics/recent' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('answers aggregate with the overview: the newest values of every host of the org', async () => {
    const overview = await get('/api/v1/overview');
    const seed = await get('/api/v1/servers/metrics/aggregate', read);
    expect(seed.status).toBe(200);
    expect(seed.body).toEqual(overview.body);
    expect(seed.body.hosts[0]).toMatchObject({ id: 'web-1', latest: { cpu: 29, memory: 50 } });
  });

  it('runs the queue controls and figures like the current ones, admin only', async () => {
    const post = async (url: string, token?: string) =>
      (await env.call('POST', url, token === undefined ? {} : { token })).statusCode;
    expect(await post('/api/v1/servers/metrics/queue/pause', read)).toBe(403);
    expect(await post('/api/v1/servers/metrics/collect-all', read)).toBe(403);
    const paused = await env.call('POST', '/api/v1/servers/metrics/queue/pause');
    expect(paused.json()).toEqual({ paused: true });
    const stats = await get('/api/v1/servers/metrics/queue/stats', read);
    expect(stats.body).toEqual((await get('/api/v1/queues')).body);
    expect(stats.body.queues[0]).toMatchObject({ name: 'collect', paused: true });
    // Paused: collect-all is refused as /api/v1/collect is.
    expect(await post('/api/v1/servers/metrics/collect-all')).toBe(409);
    expect(await post('/api/v1/collect')).toBe(409);
    const resumed = await env.call('POST', '/api/v1/servers/metrics/queue/resume');
    expect(resumed.json()).toEqual({ paused: false });
    expect((await get('/api/v1/servers/metrics/queue/stats')).body.queues[0].paused).toBe(false);
    const all = await env.call('POST', '/api/v1/servers/metrics/collect-all');
    expect(all.statusCode).toBe(202);
    expect(all.json()).toEqual({ queued: [], skipped: [] });
    const cleaned = await env.call(
      'POST',
      '/api/v1/servers/metrics/queue/clean?failedKeep=0&completedKeep=0',
    );
    expect(cleaned.json()).toEqual({ removed: { completed: 0, failed: 0 } });
    expect(await post('/api/v1/servers/metrics/queue/clean?keep=1')).toBe(400);
  });
});
