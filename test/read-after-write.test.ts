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
    // Two server processes on one Redis, caching every closed-range answer however cheap.
    a = await apiEnv(redis.url, prefix, { VITALS_CACHE_MIN_LOAD: '0' });
    b = await apiEnv(redis.url, prefix, { VITALS_CACHE_MIN_LOAD: '0' });
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

describe('answers cheaper to recompute than to store', () => {
  it('does not cache a closed-range answer that loaded faster than VITALS_CACHE_MIN_LOAD', async () => {
    const redis = await startRedis();
    const env = await apiEnv(redis.url, uniquePrefix('cheap'), { VITALS_CACHE_MIN_LOAD: '10s' });
    try {
      const t = Date.now() - 30 * 60_000;
      await env.call('POST', '/api/v1/ingest', {
        payload: { hosts: [{ host: 'c', snapshots: [{ timestamp: t, metrics: { v: 1 } }] }] },
      });
      const url = `/api/v1/hosts/c/metrics/range?startTime=${t - 60_000}&endTime=${t + 60_000}`;
      const { cache } = env.runtime.api.services;
      const before = cache.stats();
      for (let i = 0; i < 3; i++) expect((await env.call('GET', url)).json().count).toBe(1);
      // Never stored, so never found: the first load asked Redis once, the next ones not at all.
      expect(cache.stats().hits).toBe(before.hits);
      expect(cache.stats().misses).toBe(before.misses + 1);
      // Ranges of about the same length are of the same cost class: not asked for either (a
      // dashboard's moving range), while a range of another length is asked for once.
      for (let i = 1; i <= 3; i++) {
        const moved = `/api/v1/hosts/c/metrics/range?startTime=${t - 60_000 + i}&endTime=${t + 60_000 + i}`;
        expect((await env.call('GET', moved)).json().count).toBe(1);
      }
      expect(cache.stats().misses).toBe(before.misses + 1);
      const longer = `/api/v1/hosts/c/metrics/range?startTime=${t - 600_000}&endTime=${t + 60_000}`;
      expect((await env.call('GET', longer)).json().count).toBe(1);
      expect(cache.stats().misses).toBe(before.misses + 2);
      const stored = await redis.client().keys('*');
      expect(stored.filter((k) => k.includes(':g:')).length).toBe(0);
    } finally {
      await env.close();
      await redis.close();
    }
  });
});
