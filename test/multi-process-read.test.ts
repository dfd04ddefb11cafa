import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latest, latestMany, range, recent } from '../src/tsdb/query/index.ts';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';
import { testTsdb } from './support/tsdb.ts';

/** Two processes take turns writing one host (an agent behind a load balancer), then each is asked. */
async function interleaved(redisUrl: string, hotReads: 'all' | 'latest' | 'none') {
  const prefix = uniquePrefix(`hot-${hotReads}`);
  const env = { VITALS_HOT_READS: hotReads };
  const [a, b] = await Promise.all([testTsdb(redisUrl, prefix, env), testTsdb(redisUrl, prefix, env)]);
  const base = Date.now() - 600_000;
  for (let i = 0; i < 20; i++) {
    const t = base + i * 5000;
    await (i % 2 === 0 ? a : b).writer.write([
      { org: 'acme', host: 'h', seriesKeys: ['cpu.usage'], series: [0], timestamps: [t], values: [i] },
    ]);
  }
  return { a, b, base };
}

describe('reads with several server processes', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.close());

  it('answers every sample written through either process when VITALS_HOT_READS=latest', async () => {
    const { a, b, base } = await interleaved(redis.url, 'latest');
    try {
      for (const db of [a, b]) {
        const got = (await range(db.ctx, 'acme', 'h', ['cpu.usage'], base, Date.now(), 1000)).get(
          'cpu.usage',
        );
        expect([...(got?.points.values ?? [])]).toEqual(Array.from({ length: 20 }, (_, i) => i));
        const last = (await recent(db.ctx, 'acme', 'h', ['cpu.usage'], 3)).get('cpu.usage');
        expect([...(last?.values ?? [])]).toEqual([17, 18, 19]);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('answers from its own hot tier when VITALS_HOT_READS=all, which misses the other process', async () => {
    const { a, b, base } = await interleaved(redis.url, 'all');
    try {
      const got = (await range(a.ctx, 'acme', 'h', ['cpu.usage'], base, Date.now(), 1000)).get('cpu.usage');
      // The documented trade-off of `all`: only this process' writes (the even ones) are in its hot tier.
      expect([...(got?.points.values ?? [])]).toEqual(Array.from({ length: 10 }, (_, i) => 2 * i));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('answers the newest value written through the other process when VITALS_HOT_READS=none', async () => {
    const { a, b } = await interleaved(redis.url, 'none');
    try {
      for (const db of [a, b]) {
        expect((await latest(db.ctx, 'acme', 'h', ['cpu.usage'])).get('cpu.usage')?.value).toBe(19);
        expect((await latestMany(db.ctx, 'acme', ['h'])).get('h')?.get('cpu.usage')?.value).toBe(19);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('answers newest values from its own hot tier when VITALS_HOT_READS=latest, which may be older', async () => {
    const { a, b } = await interleaved(redis.url, 'latest');
    try {
      // The trade-off of `latest`: process a wrote the even values, so its newest is 18, not 19.
      expect((await latest(a.ctx, 'acme', 'h', ['cpu.usage'])).get('cpu.usage')?.value).toBe(18);
      expect((await latest(b.ctx, 'acme', 'h', ['cpu.usage'])).get('cpu.usage')?.value).toBe(19);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
