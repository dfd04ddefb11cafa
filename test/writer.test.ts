import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../src/redis/index.ts';
import type { WriteBatch } from '../src/tsdb/batch.ts';
import { SampleRejectedError, StorageUnavailableError } from '../src/tsdb/errors.ts';
import { registryEntries } from '../src/tsdb/series-registry.ts';
import { type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { headPoints, testTsdb } from './support/tsdb.ts';

const ORG = 'acme';

/** One snapshot of `names` at `t` with values derived from t. */
function snapshot(host: string, t: number, names = ['cpu.usage', 'mem.used_pct', 'load.1']): WriteBatch {
  return {
    org: ORG,
    host,
    seriesKeys: names,
    series: names.map((_, i) => i),
    timestamps: names.map(() => t),
    values: names.map((_, i) => (t / 1000 + i) % 100),
  };
}

describe('SampleWriter', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.close());

  it('resolves a durable write only once the samples are in Redis', async () => {
    const prefix = uniquePrefix('durable');
    const db = await testTsdb(redis.url, prefix);
    try {
      const t = Date.now() - 10_000;
      const result = await db.writer.write([snapshot('h1', t)]);
      expect(result).toEqual({ stored: 'redis', samples: 3 });
      const points = await headPoints(redis.client(), new Keys(prefix), ORG, 'h1');
      expect([...(points.get('cpu.usage')?.timestamps ?? [])]).toEqual([t]);
      expect(points.get('load.1')?.values[0]).toBe((t / 1000 + 2) % 100);
    } finally {
      await db.close();
    }
  });

  it('stores each series key once, a line of the names string, and keeps using a host’s series hash', async () => {
    const prefix = uniquePrefix('registry');
    const db = await testTsdb(redis.url, prefix);
    const keys = new Keys(prefix);
    const client = redis.client();
    try {
      const t = Date.now() - 10_000;
      await db.writer.write([snapshot('h1', t)]);
      expect(await client.get(keys.names(ORG, 'h1'))).toBe('0 cpu.usage\n0 mem.used_pct\n0 load.1\n');
      expect(await client.exists(keys.series(ORG, 'h1'))).toBe(0);
      expect([...(await db.ctx.series.all(ORG, 'h1'))]).toEqual([
        [1, 'cpu.usage'],
        [2, 'mem.used_pct'],
        [3, 'load.1'],
      ]);
      // New series get the next lines; known ones keep theirs.
      expect(await db.ctx.series.ids(ORG, 'h1', ['disk.used', 'cpu.usage', 'disk.used'])).toEqual([4, 1, 4]);
      expect(await client.get(keys.names(ORG, 'h1'))).toBe(
        '0 cpu.usage\n0 mem.used_pct\n0 load.1\n0 disk.used\n',
      );
      // Keys of one metric share their name: each line keeps only the bytes that differ from the key
      // before (here one of them a continuation byte of an 'è').
      const labelled = [
        'node_cpu{cpu="0",mode="idle"}',
        'node_cpu{cpu="0",mode="user"}',
        'node_cpu{cpu="1",mode="idle"}',
        'm{x="é"}',
        'm{x="è"}',
      ];
      expect(await db.ctx.series.ids(ORG, 'h1', labelled)).toEqual([5, 6, 7, 8, 9]);
      expect(await client.getBuffer(keys.names(ORG, 'h1'))).toEqual(
        Buffer.concat([
          Buffer.from(
            '0 cpu.usage\n0 mem.used_pct\n0 load.1\n0 disk.used\n0 node_cpu{cpu="0",mode="idle"}\n',
          ),
          Buffer.from('23 user"}\n14 1",mode="idle"}\n0 m{x="é"}\n6 '),
          Buffer.from([0xa8]),
          Buffer.from('"}\n'),
        ]),
      );
      const fresh1 = await testTsdb(redis.url, prefix);
      try {
        expect([...(await fresh1.ctx.series.all(ORG, 'h1'))].slice(4)).toEqual(
          labelled.map((k, i) => [i + 5, k]),
        );
        expect(await fresh1.ctx.series.ids(ORG, 'h1', ['m{x="è"}', 'load.1'])).toEqual([9, 3]);
      } finally {
        await fresh1.close();
      }

      // A host registered in a series hash (before the names string) keeps it: new series go there too.
      // Hashes from before codec format 2 also hold `i:<id>` → key: readers take the `n:` side.
      await client.hset(keys.series(ORG, 'old'), 'n:disk.used', '1', 'i:1', 'disk.used', 'next', '1');
      expect([...(await db.ctx.series.all(ORG, 'old'))]).toEqual([[1, 'disk.used']]);
      await db.writer.write([snapshot('old', t)]);
      expect(await client.exists(keys.names(ORG, 'old'))).toBe(0);
      expect(await client.hget(keys.series(ORG, 'old'), 'next')).toBe('4');
      const fresh = await testTsdb(redis.url, prefix);
      try {
        expect([...(await fresh.ctx.series.all(ORG, 'old')).values()].sort()).toEqual([
          'cpu.usage',
          'disk.used',
          'load.1',
          'mem.used_pct',
        ]);
        expect(await fresh.ctx.series.lookup(ORG, 'h1', ['disk.used', 'nope'])).toEqual(
          new Map([['disk.used', 4]]),
        );
      } finally {
        await fresh.close();
      }
    } finally {
      await db.close();
    }
  });

  it('hands out one id per series to processes registering the same new series at once', async () => {
    const prefix = uniquePrefix('registry-race');
    const dbs = await Promise.all([0, 1, 2].map(() => testTsdb(redis.url, prefix)));
    try {
      const keysOf = (n: number) => Array.from({ length: 40 }, (_, i) => `race.s${(i * 7 + n * 13) % 40}`);
      const got = await Promise.all(dbs.map((db, n) => db.ctx.series.ids(ORG, 'race', keysOf(n))));
      const byKey = new Map<string, number>();
      got.forEach((ids, n) => {
        keysOf(n).forEach((key, i) => {
          const id = ids[i] as number;
          expect(byKey.get(key) ?? id).toBe(id);
          byKey.set(key, id);
        });
      });
      expect(new Set(byKey.values()).size).toBe(40);
      expect([...byKey.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      const keys = new Keys(prefix);
      const stored = registryEntries({}, await redis.client().getBuffer(keys.names(ORG, 'race')));
      expect(new Map(stored.map(([id, key]) => [key, id]))).toEqual(byKey);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  });

  it('keeps every float64 exactly, NaN and -0 included', async () => {
    const prefix = uniquePrefix('exact');
    const db = await testTsdb(redis.url, prefix);
    try {
      const t = Date.now() - 60_000;
      const values = [
        Number.NaN,
        -0,
        Number.MIN_VALUE,
        Number.MAX_VALUE,
        Number.NEGATIVE_INFINITY,
        0.1 + 0.2,
      ];
      await db.writer.write([
        {
          org: ORG,
          host: 'h',
          seriesKeys: ['x'],
          series: values.map(() => 0),
          timestamps: values.map((_, i) => t + i),
          values,
        },
      ]);
      const got = (await headPoints(redis.client(), new Keys(prefix), ORG, 'h')).get('x');
      expect([...(got?.values ?? [])].map((v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(
        values.map((v) => (Object.is(v, -0) ? '-0' : String(v))),
      );
    } finally {
      await db.close();
    }
  });

  it('rejects a whole batch naming the series when one timestamp is too far ahead, writing nothing', async () => {
    const prefix = uniquePrefix('reject');
    const db = await testTsdb(redis.url, prefix, { VITALS_MAX_FUTURE_SKEW: '1m' });
    try {
      const now = Date.now();
      const good = snapshot('h1', now - 1000);
      const bad: WriteBatch = {
        org: ORG,
        host: 'h2',
        seriesKeys: ['disk.used_pct{mount="/"}'],
        series: [0],
        timestamps: [now + 3_600_000],
        values: [1],
      };
      const err = await db.writer.write([good, bad]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SampleRejectedError);
      expect((err as Error).message).toContain('disk.used_pct{mount="/"}');
      expect((err as Error).message).toContain('skew');
      await db.writer.flush();
      expect(await redis.client().keys(`${prefix}*`)).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('rejects timestamps older than raw retention and ones that are not whole ms', async () => {
    const db = await testTsdb(redis.url, uniquePrefix('old'), { VITALS_RETENTION_RAW: '1d' });
    try {
      const old = snapshot('h', Date.now() - 2 * 86_400_000);
      await expect(db.writer.write([old])).rejects.toThrow(/older than raw retention/);
      const frac = { ...snapshot('h', Date.now()), timestamps: [1.5, 1.5, 1.5] };
      await expect(db.writer.write([frac])).rejects.toThrow(/whole number of ms/);
    } finally {
      await db.close();
    }
  });

  it('answers buffered writes from memory and writes them behind', async () => {
    const prefix = uniquePrefix('buffered');
    const db = await testTsdb(redis.url, prefix, { VITALS_FLUSH_INTERVAL_MS: '200' });
    try {
      const result = await db.writer.write([snapshot('h', Date.now() - 5000)], 'buffered');
      expect(result.stored).toBe('memory');
      await waitFor(async () => (await headPoints(redis.client(), new Keys(prefix), ORG, 'h')).size === 3, {
        timeoutMs: 5000,
      });
    } finally {
      await db.close();
    }
  });

  it('loses nothing when two writers append to one host at once', async () => {
    const prefix = uniquePrefix('two');
    const [a, b] = await Promise.all([testTsdb(redis.url, prefix), testTsdb(redis.url, prefix)]);
    try {
      const base = Date.now() - 600_000;
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 200; i++) {
        // Writer a takes even seconds and writer b odd ones; both create the same series concurrently.
        writes.push((i % 2 === 0 ? a : b).writer.write([snapshot('shared', base + i * 1000)]));
      }
      await Promise.all(writes);
      const points = await headPoints(redis.client(), new Keys(prefix), ORG, 'shared');
      expect([...points.keys()].sort()).toEqual(['cpu.usage', 'load.1', 'mem.used_pct']);
      for (const p of points.values()) {
        expect(p.timestamps.length).toBe(200);
        expect(new Set(p.timestamps).size).toBe(200);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('flushes pending buffered samples on close', async () => {
    const prefix = uniquePrefix('close');
    const db = await testTsdb(redis.url, prefix, { VITALS_FLUSH_INTERVAL_MS: '60000' });
    await db.writer.write([snapshot('h', Date.now() - 1000)], 'buffered');
    await db.close();
    await db.close();
    expect((await headPoints(redis.client(), new Keys(prefix), ORG, 'h')).size).toBe(3);
  });

  it('refuses writes after close with a retryable error', async () => {
    const db = await testTsdb(redis.url, uniquePrefix('closed'));
    await db.close();
    const err = await db.writer.write([snapshot('h', Date.now())]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageUnavailableError);
    expect((err as StorageUnavailableError).retryable).toBe(true);
  });
});
