import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';

/**
 * Cached answers of closed ranges never hide an acknowledged write: a late sample drops every cached
 * answer about its host in every process, while fresh samples (which no closed range holds) leave the
 * cache alone.
 */
describe('read after write through the query cache', () => {
  let redis: RedisServer;
  let a: ApiEnv;
  let b: ApiEnv;
  const base = Date.now() - 30 * 60_000;
  const range = `/api/v1/hosts/late/metrics/range?startTime=${base - 60_000}&endTime=${base + 10 * 60_000}`;
  const aggregate = `/api/v1/hosts/late/metrics/aggregate?startTime=${base - 60_000}&endTime=${base + 10 * 60_000}&step=60000&fn=count`;

  const push = (env: ApiEnv, timestamp: number, value: number) =>
    env.call('POST', '/api/v1/ingest', {
      payload: { hosts: [{ host: 'late', snapshots: [{ timestamp, metrics: { v: value } }] }] },
    });

  beforeAll(async () => {
    redis = await startRedis();
    const prefix = uniquePrefix('raw');
    // Two server processes on one Redis.
    a = await apiEnv(redis.url, prefix);
    b = await apiEnv(redis.url, prefix);
    expect((await push(a, base, 1)).json()).toMatchObject({ stored: 'redis' });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.close();
  });

  it('does show a late sample written through another process at once, in ranges and aggregates', async () => {
    expect((await b.call('GET', range)).json().count).toBe(1);
    expect((await b.call('GET', aggregate)).json().rows).toEqual([
      { timestamp: base - (base % 60_000), v: 1 },
    ]);
    // Cached now: the same answer again comes from the cache.
    const hits = b.runtime.api.services.cache.stats().hits;
    expect((await b.call('GET', range)).json().count).toBe(1);
    expect(b.runtime.api.services.cache.stats().hits).toBe(hits + 1);

    expect((await push(a, base + 1000, 2)).json()).toMatchObject({ stored: 'redis' });
    const after = (await b.call('GET', range)).json();
    expect(after.count).toBe(2);
    expect(after.rows.map((r: { v: number }) => r.v)).toEqual([1, 2]);
    const counted = (await b.call('GET', aggregate)).json().rows as Array<{ v: number }>;
    expect(counted.reduce((n, r) => n + r.v, 0)).toBe(2);
  });

  it('does keep cached answers of closed ranges when only fresh samples arrive', async () => {
    expect((await b.call('GET', range)).json().count).toBe(2);
    expect((await push(a, Date.now() - 1000, 3)).statusCode).toBe(200);
    const hits = b.runtime.api.services.cache.stats().hits;
    expect((await b.call('GET', range)).json().count).toBe(2);
    expect(b.runtime.api.services.cache.stats().hits).toBe(hits + 1);
  });
});
