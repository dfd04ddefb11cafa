import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { uniquePrefix, useRedis } from '../../test/harness/index.ts';
import { Keys } from '../redis/index.ts';
import type { WriteBatch } from './batch.ts';
import { createTsdbContext } from './context.ts';
import { encodeSpoolRecord } from './flush-payload.ts';
import { decodeHead } from './head-record.ts';
import type { TsdbContext } from './options.ts';
import { pointsBySeries } from './points.ts';
import { TEST_OPTIONS } from './query/test-support.ts';
import { registryEntries, SeriesLimitError, type SeriesLimits } from './series-registry.ts';
import { openSpool, type Spool } from './spool/index.ts';
import { SampleWriter } from './writer.ts';

const silent = pino({ level: 'silent' });
const redisOf = useRedis();
const ORG = 'o';

interface Setup {
  readonly ctx: TsdbContext;
  readonly writer: SampleWriter;
  readonly spool: Spool;
  readonly prefix: string;
}

async function setup(limits: SeriesLimits, flushIntervalMs = 5): Promise<Setup> {
  const prefix = uniquePrefix('writer');
  const dir = mkdtempSync(join(tmpdir(), 'vitals-writer-'));
  const options = { ...TEST_OPTIONS, flushIntervalMs, spoolDir: dir };
  const ctx = createTsdbContext(redisOf(), new Keys(prefix), options, Date.now, limits);
  const spool = await openSpool({ dir });
  const writer = new SampleWriter(ctx, spool, { logger: silent, replayIntervalMs: 60_000 });
  return { ctx, writer, spool, prefix };
}

function batch(host: string, t: number, names: readonly string[]): WriteBatch {
  return {
    org: ORG,
    host,
    seriesKeys: [...names],
    series: names.map((_, i) => i),
    timestamps: names.map(() => t),
    values: names.map((_, i) => i + 0.5),
  };
}

/** Series key → timestamps of a host's heads, read straight from Redis. */
async function headTimestamps(redis: Redis, keys: Keys, host: string): Promise<Map<string, number[]>> {
  const names: Record<string, string> = {};
  const registry = registryEntries(
    await redis.hgetall(keys.series(ORG, host)),
    await redis.getBuffer(keys.names(ORG, host)),
  );
  for (const [id, key] of registry) names[id] = key;
  const out = new Map<string, number[]>();
  for (const w of await redis.zrange(keys.heads(ORG, host), 0, -1)) {
    const buf = await redis.getBuffer(keys.head(ORG, host, Number(w)));
    if (!buf) continue;
    for (const [id, points] of pointsBySeries(decodeHead(buf))) {
      const key = names[id] ?? `#${id}`;
      out.set(key, [...(out.get(key) ?? []), ...points.timestamps]);
    }
  }
  return out;
}

describe('SampleWriter with flushIntervalMs 0', () => {
  it('flushes the writes of one event-loop turn together at its end, and a later turn in a flush of its own', async () => {
    const { writer, prefix } = await setup({ perHost: 0, perOrg: 0 }, 0);
    const keys = new Keys(prefix);
    const redis = redisOf();
    const flushes: number[] = [];
    writer.observe({ flushed: (s) => flushes.push(s) });
    try {
      const t = Date.now() - 60_000;
      // Series ids are known after this, so the writes below add to the pending buffer in the turn they are made.
      await writer.write([batch('a', t, ['x']), batch('b', t, ['y'])]);
      expect(flushes).toHaveLength(1);
      const both = await Promise.all([
        writer.write([batch('a', t + 1000, ['x'])]),
        writer.write([batch('b', t + 1000, ['y'])]),
      ]);
      expect(both.map((r) => r.stored)).toEqual(['redis', 'redis']);
      expect(flushes).toHaveLength(2);
      // Durable: in Redis when answered.
      expect((await headTimestamps(redis, keys, 'a')).get('x')).toEqual([t, t + 1000]);
      expect((await headTimestamps(redis, keys, 'b')).get('y')).toEqual([t, t + 1000]);
      await writer.write([batch('a', t + 2000, ['x'])]);
      expect(flushes).toHaveLength(3);
      // Buffered: answered at once; close() flushes what its immediate had not yet sent.
      expect((await writer.write([batch('a', t + 3000, ['x'])], 'buffered')).stored).toBe('memory');
      await writer.close();
      expect(flushes).toHaveLength(4);
      expect((await headTimestamps(redis, keys, 'a')).get('x')).toEqual([t, t + 1000, t + 2000, t + 3000]);
    } finally {
      await writer.close();
    }
  });
});

describe('SampleWriter and the series limits', () => {
  it('leaves nothing in the hot tier nor in Redis when a batch passes the per-host series limit', async () => {
    const { ctx, writer, prefix } = await setup({ perHost: 3, perOrg: 0 });
    const keys = new Keys(prefix);
    const redis = redisOf();
    try {
      const t1 = Date.now() - 60_000;
      const t2 = t1 + 10_000;
      expect((await writer.write([batch('h', t1, ['a', 'b'])])).stored).toBe('redis');
      const before = new Set(await redis.keys(`${prefix}*`));
      const latestBefore = await redis.hgetallBuffer(keys.latest(ORG, 'h'));

      // 'a' is known; 'c' and 'd' would make 4 series on a host allowed 3. A second host in the same
      // write is refused with it (all or nothing).
      const refused = await writer
        .write([batch('other', t2, ['x']), batch('h', t2, ['a', 'c', 'd'])])
        .catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(SeriesLimitError);

      // Hot tier: only the accepted batch.
      expect([...(ctx.hot.points(ORG, 'h', 'a')?.timestamps ?? [])]).toEqual([t1]);
      expect(ctx.hot.points(ORG, 'h', 'c')).toBeUndefined();
      expect(ctx.hot.points(ORG, 'h', 'd')).toBeUndefined();
      expect(ctx.hot.newestOf(ORG, 'other')?.size ?? 0).toBe(0);
      // Redis: no new key, heads and latest as they were, no series id handed out for c or d.
      await writer.flush();
      const after = new Set(await redis.keys(`${prefix}*`));
      expect([...after].filter((k) => !before.has(k) && !k.includes('other'))).toEqual([]);
      expect(Object.fromEntries(await headTimestamps(redis, keys, 'h'))).toEqual({ a: [t1], b: [t1] });
      expect(await redis.hgetallBuffer(keys.latest(ORG, 'h'))).toEqual(latestBefore);
      expect(await redis.get(keys.names(ORG, 'h'))).toBe('0 a\n0 b\n');
      expect(await headTimestamps(redis, keys, 'other')).toEqual(new Map());
      expect(writer.stats()).toMatchObject({ breaker: 'closed', spoolBytes: 0 });
    } finally {
      await writer.close();
    }
  });

  it('keeps the limit on a host registered in a series hash (before the names string)', async () => {
    const { writer, prefix } = await setup({ perHost: 3, perOrg: 0 });
    const keys = new Keys(prefix);
    const redis = redisOf();
    try {
      await redis.hset(keys.series(ORG, 'old'), 'n:a', '1', 'n:b', '2', 'next', '2');
      const t = Date.now() - 60_000;
      const refused = await writer.write([batch('old', t, ['a', 'c', 'd'])]).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(SeriesLimitError);
      expect(await redis.hgetall(keys.series(ORG, 'old'))).toEqual({ 'n:a': '1', 'n:b': '2', next: '2' });
      expect((await writer.write([batch('old', t, ['a', 'c'])])).stored).toBe('redis');
      expect(await redis.hgetall(keys.series(ORG, 'old'))).toEqual({
        'n:a': '1',
        'n:b': '2',
        'n:c': '3',
        next: '3',
      });
      expect(await redis.exists(keys.names(ORG, 'old'))).toBe(0);
    } finally {
      await writer.close();
    }
  });

  it('keeps the breaker closed however many batches are refused or fail with a command error', async () => {
    const { writer, prefix } = await setup({ perHost: 1, perOrg: 0 });
    const keys = new Keys(prefix);
    try {
      const t = Date.now() - 60_000;
      await writer.write([batch('h', t, ['a'])]);
      for (let i = 0; i < 8; i++) {
        const err = await writer.write([batch('h', t + i, [`new${i}`])]).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SeriesLimitError);
      }
      // A host whose series HASH is a string: WRONGTYPE, a bug to report, not an outage to spool.
      await redisOf().set(keys.series(ORG, 'broken'), 'not a hash');
      for (let i = 0; i < 8; i++) {
        const err = await writer.write([batch('broken', t + i, ['a'])]).catch((e: unknown) => e);
        expect(String(err)).toContain('WRONGTYPE');
      }
      expect(writer.stats()).toMatchObject({ breaker: 'closed', spoolBytes: 0 });
      expect((await writer.write([batch('h', t + 100, ['a'])])).stored).toBe('redis');
    } finally {
      await writer.close();
    }
  });

  it('replays spooled batches whose new series pass the limits instead of blocking the spool', async () => {
    const { ctx, writer, spool, prefix } = await setup({ perHost: 2, perOrg: 2 });
    const keys = new Keys(prefix);
    const redis = redisOf();
    try {
      const t = Date.now() - 60_000;
      // Accepted while Redis was down (series ids unknown, so spooled as batches), then the host
      // reached its limit through another process before the replay.
      await spool.append(
        encodeSpoolRecord({ kind: 'batches', batches: [batch('h', t, ['s1', 's2', 's3'])] }),
      );
      await spool.append(encodeSpoolRecord({ kind: 'batches', batches: [batch('h', t + 1000, ['s4'])] }));
      await ctx.series.ids(ORG, 'h', ['s0']);
      await expect(ctx.series.ids(ORG, 'h', ['x', 'y'])).rejects.toBeInstanceOf(SeriesLimitError);

      const replayed = await writer.replaySpool();
      expect(replayed.records).toBe(2);
      expect(spool.isEmpty()).toBe(true);
      const stored = await headTimestamps(redis, keys, 'h');
      expect(Object.fromEntries(stored)).toEqual({ s1: [t], s2: [t], s3: [t], s4: [t + 1000] });
      // The per-org counter still counts them, so new series stay refused.
      expect(Number(await redis.get(keys.orgSeriesCount(ORG)))).toBe(5);
      await expect(writer.write([batch('h', t + 2000, ['s5'])])).rejects.toBeInstanceOf(SeriesLimitError);
    } finally {
      await writer.close();
    }
  });
});
