import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type RedisServer,
  startFaultProxy,
  startRedis,
  uniquePrefix,
  waitFor,
} from '../../test/harness/index.ts';
import { loadConfig } from '../config/index.ts';
import { closeRedis, createRedis, type RedisClient } from './connection.ts';
import { TrackedReads } from './tracked-reads.ts';

const logger = pino({ level: 'silent' });

describe('tracked reads', () => {
  let redis: RedisServer;
  let admin: Redis;
  const open: Array<TrackedReads | RedisClient> = [];

  beforeAll(async () => {
    redis = await startRedis();
    admin = redis.client();
  });
  afterEach(async () => {
    for (const o of open.splice(0)) {
      if (o instanceof TrackedReads) await o.close();
      else await closeRedis(o);
    }
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.close();
  });

  const connection = (url = redis.url) => ({ config: loadConfig({ REDIS_URL: url }).redis, logger });

  /** `subUrl`: where the invalidation connection goes (a proxy that delays them). */
  async function tracked(maxBytes = 1 << 20, subUrl = redis.url): Promise<TrackedReads> {
    const reads = new TrackedReads(
      createRedis(connection(), 'request', 'tracked') as Redis,
      createRedis(connection(subUrl), 'subscriber', 'tracked-inval', { autoResubscribe: false }) as Redis,
      { maxBytes, logger },
    );
    open.push(reads);
    await waitFor(() => reads.active, { message: 'tracking on' });
    return reads;
  }

  /** One HMGET through the cache; `loads` counts the reads that went to Redis. */
  function reader(reads: TrackedReads, key: string) {
    let loads = 0;
    return {
      get loads() {
        return loads;
      },
      read: async () =>
        (
          await reads.read(`hmget ${key}`, [key], async (client) => {
            loads++;
            return [await (client ?? admin).hmget(key, 'a')];
          })
        )[0] as Array<string | null>,
    };
  }

  it('answers a second read from memory, and reads again once another client changed the key', async () => {
    const key = `${uniquePrefix('tr')}{h1}:w`;
    await admin.hset(key, 'a', '1');
    const reads = await tracked();
    const r = reader(reads, key);
    expect(await r.read()).toEqual(['1']);
    expect(await r.read()).toEqual(['1']);
    expect(r.loads).toBe(1);
    expect(reads.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });
    // Another client (not this process' connections): Redis' invalidation drops the entry.
    await admin.hset(key, 'a', '2');
    await waitFor(() => reads.stats().entries === 0, { message: 'invalidation received' });
    expect(await r.read()).toEqual(['2']);
    expect(r.loads).toBe(2);
    // A write that changes nothing (same score) sends no invalidation: the entry stays.
    const z = `${uniquePrefix('tr')}{h1}:z`;
    await admin.zadd(z, 5, 'x');
    const zr = { loads: 0 };
    const readZ = () =>
      reads.read(`zrange ${z}`, [z], async (client) => {
        zr.loads++;
        return [await (client ?? admin).zrangebyscore(z, 0, 10)];
      });
    await readZ();
    await admin.zadd(z, 5, 'x');
    await admin.ping();
    await readZ();
    expect(zr.loads).toBe(1);
  });

  it("sees this process' own write at once, however late Redis' message comes", async () => {
    const key = `${uniquePrefix('tr')}{h2}:w`;
    const writer = createRedis(connection(), 'request', 'writer');
    open.push(writer);
    await waitFor(() => writer.status === 'ready', { message: 'writer ready' });
    await writer.hset(key, 'a', '1');
    // Invalidations (and the fences) arrive 40 ms late: only the local notice keeps reads fresh.
    const proxy = await startFaultProxy({ targetPort: redis.port });
    try {
      const reads = await tracked(1 << 20, proxy.url);
      proxy.setDelay(40);
      const r = reader(reads, key);
      expect(await r.read()).toEqual(['1']);
      expect(await r.read()).toEqual(['1']);
      expect(r.loads).toBe(1);
      for (let i = 2; i < 6; i++) {
        await writer.hset(key, 'a', String(i));
        expect(await r.read()).toEqual([String(i)]);
        // Kept again once the fence after the write came back: an unchanged key is a hit again.
        const hits = reads.stats().hits;
        await waitFor(async () => (await r.read())[0] === String(i) && reads.stats().hits > hits, {
          message: 'kept again',
        });
      }
      // A duplicate of a Vitals connection reports its writes too (the writer's, with durable replicas).
      const copy = writer.duplicate();
      open.push(copy);
      await waitFor(() => copy.status === 'ready', { message: 'copy ready' });
      await copy.hset(key, 'a', 'copy');
      expect(await r.read()).toEqual(['copy']);
      // Another client's write is seen once its invalidation arrives (here 40 ms on).
      await admin.hset(key, 'a', 'other');
      await waitFor(async () => (await r.read())[0] === 'other', { message: 'invalidation seen' });
    } finally {
      await proxy.close();
    }
  });

  it('keeps no reply of a read during which one of its keys changed', async () => {
    const key = `${uniquePrefix('tr')}{h3}:w`;
    await admin.hset(key, 'a', '1');
    const reads = await tracked();
    let loads = 0;
    const read = () =>
      reads.read(`slow ${key}`, [key], async (client) => {
        loads++;
        const reply = await (client ?? admin).hmget(key, 'a');
        // Changed by someone else after Redis answered, before the reply is kept.
        if (loads === 1) {
          await admin.hset(key, 'a', '2');
          await waitFor(() => reads.stats().invalidations > 0, { message: 'invalidation received' });
        }
        return [reply];
      });
    expect((await read())[0]).toEqual(['1']);
    expect((await read())[0]).toEqual(['2']);
    expect(loads).toBe(2);
  });

  it('drops everything and reads Redis while the invalidation connection is away, then tracks again', async () => {
    const key = `${uniquePrefix('tr')}{h4}:w`;
    await admin.hset(key, 'a', '1');
    const reads = await tracked();
    const r = reader(reads, key);
    await r.read();
    await r.read();
    expect(r.loads).toBe(1);
    const before = reads.stats().resets;
    await admin.client('KILL', 'TYPE', 'pubsub');
    await waitFor(() => reads.stats().resets > before, { message: 'tracking off' });
    expect(reads.stats().entries).toBe(0);
    // While off (or as soon as on again), a changed key is read from Redis.
    await admin.hset(key, 'a', '2');
    expect(await r.read()).toEqual(['2']);
    await waitFor(() => reads.active, { message: 'tracking on again' });
    await r.read();
    await admin.hset(key, 'a', '3');
    await waitFor(() => reads.stats().entries === 0, { message: 'invalidation after the reconnect' });
    expect(await r.read()).toEqual(['3']);
  });

  it('drops everything on FLUSHALL, and keeps at most its bytes (least recently used go first)', async () => {
    const reads = await tracked(64 * 1024);
    const prefix = uniquePrefix('tr');
    const keys = Array.from({ length: 40 }, (_, i) => `${prefix}{h5}:w${i}`);
    for (const key of keys) await admin.set(key, 'x'.repeat(3000));
    const read = (key: string) =>
      reads.read(`get ${key}`, [key], async (client) => [await (client ?? admin).getBuffer(key)]);
    for (const key of keys) await read(key);
    expect(reads.stats().bytes).toBeLessThanOrEqual(64 * 1024);
    expect(reads.stats().entries).toBeLessThan(40);
    expect(reads.stats().entries).toBeGreaterThan(10);
    await admin.flushall();
    await waitFor(() => reads.stats().entries === 0, { message: 'flush seen' });
  });

  it('keeps replies read-only, in buffers of their own', async () => {
    const key = `${uniquePrefix('tr')}{h6}:w`;
    await admin.set(key, 'x'.repeat(100));
    const reads = await tracked();
    const read = () =>
      reads.read(`get ${key}`, [key], async (client) => [await (client ?? admin).getBuffer(key)]);
    await read();
    const kept = await read();
    expect(reads.stats().hits).toBe(1);
    expect(() => (kept as unknown[]).push('x')).toThrow(TypeError);
    // Not a view of the socket's read chunk, which it would keep alive whole.
    const buf = kept[0] as Buffer;
    expect(buf.toString()).toBe('x'.repeat(100));
    expect(buf.buffer.byteLength).toBe(100);
  });
});
