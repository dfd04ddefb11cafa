import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMaintenance } from '../src/tsdb/index.ts';
import { windowStart } from '../src/tsdb/layout.ts';
import { type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';

/**
 * The tracked read cache behind the query routes: two server runtimes on one Redis (as two processes
 * would be), a host whose windows are sealed, and late samples written while answers are kept.
 */
describe('tracked reads behind the query routes', () => {
  let redis: RedisServer;
  let admin: Redis;
  let a: ApiEnv;
  let b: ApiEnv;
  const T0 = windowStart(Date.now()) - 3 * 2 * 3_600_000;
  const minutes = 120;
  const aggregate = (env: ApiEnv) =>
    env.call(
      'GET',
      `/api/v1/hosts/db-1/metrics/aggregate?metrics=cpu&startTime=${T0}&endTime=${T0 + minutes * 60_000 - 1}&step=600000&fn=max`,
    );

  beforeAll(async () => {
    redis = await startRedis();
    admin = redis.client();
    const prefix = uniquePrefix('tracked');
    // Answers are recomputed every time (the answer cache would answer a repeated query first).
    const env = { VITALS_CACHE_MIN_LOAD: '1h' };
    a = await apiEnv(redis.url, prefix, env);
    b = await apiEnv(redis.url, prefix, env);
    const snapshots = Array.from({ length: minutes }, (_, i) => ({
      timestamp: T0 + i * 60_000,
      metrics: { 'cpu.usage': i % 50 },
    }));
    expect(
      (await a.call('POST', '/api/v1/ingest', { payload: { hosts: [{ host: 'db-1', snapshots }] } }))
        .statusCode,
    ).toBe(200);
    await runMaintenance(a.runtime.tsdb.ctx);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    admin?.disconnect();
    await redis?.close();
  });

  const reads = (env: ApiEnv) => env.runtime.tsdb.ctx.reads;
  const maxima = async (env: ApiEnv) => {
    const res = await aggregate(env);
    expect(res.statusCode).toBe(200);
    return (res.json() as { rows: Array<{ cpu: number }> }).rows.map((r) => r.cpu);
  };

  it('answers a repeated query over sealed windows from memory, the same answer', async () => {
    await waitFor(() => reads(a)?.active === true, { message: 'tracking on' });
    const first = await maxima(a);
    expect(first).toEqual([9, 19, 29, 39, 49, 9, 19, 29, 39, 49, 9, 19]);
    // Once the fence after the sealing's writes is back, a repeated query is a hit, with the same answer.
    const hits = reads(a)?.stats().hits ?? 0;
    await waitFor(
      async () => (await maxima(a)).join() === first.join() && (reads(a)?.stats().hits ?? 0) > hits,
      {
        message: 'a hit',
      },
    );
    const misses = reads(a)?.stats().misses;
    expect(await maxima(a)).toEqual(first);
    expect(reads(a)?.stats().misses).toBe(misses);
    const health = (await a.runtime.app.inject({ url: '/health' })).json();
    expect(health.checks['reads:tracked'][0]).toMatchObject({ status: 'pass', active: true, enabled: true });
  });

  it('answers a late sample written through the other server at once', async () => {
    await maxima(a);
    await maxima(a);
    const late = { timestamp: T0 + 5 * 60_000 + 30_000, metrics: { 'cpu.usage': 99 } };
    const res = await b.call('POST', '/api/v1/ingest', {
      payload: { hosts: [{ host: 'db-1', snapshots: [late] }] },
    });
    expect(res.statusCode).toBe(200);
    expect((await maxima(a))[0]).toBe(99);
    // And once it is sealed into its window by the other server.
    await runMaintenance(b.runtime.tsdb.ctx);
    expect((await maxima(a))[0]).toBe(99);
  });

  it('keeps reads of many windows (the read scripts report no write)', async () => {
    // One sample in each of 20 two-hour windows: index and rollup reads go as EVALs of read scripts.
    const end = windowStart(Date.now()) - 2 * 3_600_000;
    const start = end - 20 * 2 * 3_600_000;
    const snapshots = Array.from({ length: 20 }, (_, i) => ({
      timestamp: start + i * 2 * 3_600_000 + 60_000,
      metrics: { 'cpu.usage': i },
    }));
    const push = await a.call('POST', '/api/v1/ingest', {
      payload: { hosts: [{ host: 'db-2', snapshots }] },
    });
    expect(push.statusCode).toBe(200);
    await runMaintenance(a.runtime.tsdb.ctx);
    const url = `/api/v1/hosts/db-2/metrics/aggregate?metrics=cpu&startTime=${start}&endTime=${end}&step=3600000&fn=max`;
    const rows = async () => (await a.call('GET', url)).json().rows.map((r: { cpu: number }) => r.cpu);
    expect(await rows()).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const hits = reads(a)?.stats().hits ?? 0;
    await waitFor(async () => (await rows()).length === 20 && (reads(a)?.stats().hits ?? 0) > hits, {
      message: 'a hit',
    });
  });

  it("answers a change made by another Redis client once Redis' invalidation has arrived", async () => {
    expect(await maxima(a)).toHaveLength(12);
    const before = reads(a)?.stats().invalidations ?? 0;
    // The window's sealed data gone (a client outside Vitals): the answer has no rows left.
    await admin.del(a.runtime.tsdb.ctx.keys.window('default', 'db-1', T0));
    await waitFor(() => (reads(a)?.stats().invalidations ?? 0) > before, { message: 'invalidation' });
    expect(await maxima(a)).toEqual([]);
  });
});
