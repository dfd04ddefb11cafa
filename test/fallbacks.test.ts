import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cache } from '../src/cache/index.ts';
import { IdempotencyStore } from '../src/ingest/index.ts';
import { createRedis, Keys, type RedisClient } from '../src/redis/index.ts';
import { type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { testConfig } from './support/config.ts';
import { silent } from './support/tsdb.ts';

/**
 * The idempotency store and the query cache fall back to process memory only when Redis cannot be
 * reached; any other Redis error (a bug, bad data) reaches the caller.
 */
describe('memory fallbacks', () => {
  let server: RedisServer;
  let redis: RedisClient;
  let keys: Keys;
  let prefix: string;

  beforeAll(async () => {
    server = await startRedis();
    prefix = uniquePrefix('fallbacks');
    keys = new Keys(prefix);
    const config = testConfig({ REDIS_URL: server.url, REDIS_SOCKET_TIMEOUT: '500' });
    redis = createRedis({ config: config.redis, logger: silent }, 'request');
    await waitFor(() => redis.status === 'ready');
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.close();
  });

  async function whileStopped(fn: () => Promise<void>): Promise<void> {
    await server.stop();
    await waitFor(() => redis.status !== 'ready');
    try {
      await fn();
    } finally {
      await server.restart();
      await waitFor(() => redis.status === 'ready', { timeoutMs: 10_000 });
    }
  }

  it('does answer an idempotency key once from memory while Redis is stopped', async () => {
    const store = new IdempotencyStore(redis, keys, 'idem:', 3600);
    await whileStopped(async () => {
      expect(await store.claim('acme', 'k1')).toEqual({ state: 'new' });
      expect(await store.claim('acme', 'k1')).toEqual({ state: 'pending' });
      await store.complete('acme', 'k1', { ok: true, body: { samples: 1, hosts: 1, stored: 'spool' } });
      expect(await store.claim('acme', 'k1')).toMatchObject({ state: 'done', response: { ok: true } });
      expect(store.stats().memoryFallbacks).toBeGreaterThanOrEqual(3);
    });
  });

  it('does answer an idempotency key from memory while Redis is frozen, after the command deadline', async () => {
    const store = new IdempotencyStore(redis, keys, 'idem:', 3600);
    server.freeze();
    try {
      const started = performance.now();
      expect(await store.claim('acme', 'k-frozen')).toEqual({ state: 'new' });
      expect(performance.now() - started).toBeLessThan(3000);
    } finally {
      server.thaw();
    }
    await waitFor(() => redis.status === 'ready', { timeoutMs: 10_000 });
  });

  it('does throw a Redis command error from the idempotency store instead of falling back', async () => {
    const store = new IdempotencyStore(redis, keys, 'idem:', 3600);
    const fallbacks = store.stats().memoryFallbacks;
    // A key of the wrong type where the claim goes (the store hashes client keys with SHA-256):
    // SET … GET answers WRONGTYPE, which is not an outage.
    const hashed = createHash('sha256').update('wrongtype').digest('hex');
    await redis.hset(keys.idempotency('idem:', 'acme', hashed), 'f', 'v');
    await expect(store.claim('acme', 'wrongtype')).rejects.toThrow(/WRONGTYPE/);
    expect(store.stats().memoryFallbacks).toBe(fallbacks);
  });

  it('does serve cached answers from memory while Redis is stopped, and drops a group there too', async () => {
    const cache = new Cache(redis, keys.cache('cache:'), 60_000);
    let loads = 0;
    const load = async () => ({ n: ++loads });
    await whileStopped(async () => {
      expect(await cache.getOrLoadGrouped('acme:q:h', 'a', load)).toEqual({ n: 1 });
      expect(await cache.getOrLoadGrouped('acme:q:h', 'a', load)).toEqual({ n: 1 });
      await cache.dropGroups(['acme:q:h']);
      expect(await cache.getOrLoadGrouped('acme:q:h', 'a', load)).toEqual({ n: 2 });
      await cache.set('ns', 'id', { v: 1 });
      expect(await cache.get('ns', 'id')).toEqual({ v: 1 });
      expect(cache.stats().fallbacks).toBeGreaterThanOrEqual(3);
    });
  });

  it('does throw a Redis command error from the cache instead of falling back', async () => {
    const cache = new Cache(redis, keys.cache('cache:'), 60_000);
    await redis.set(`${keys.cache('cache:')}g:broken`, 'a string, not a hash');
    await expect(cache.getOrLoadGrouped('broken', 'a', async () => 1)).rejects.toThrow(/WRONGTYPE/);
    expect(cache.stats().fallbacks).toBe(0);
  });

  it('does make an answer id only when Redis is asked for it or it is stored, not for a known-cheap class', async () => {
    const cache = new Cache(redis, keys.cache('lazy:'), 60_000);
    const made: string[] = [];
    const id = (name: string) => () => {
      made.push(name);
      return name;
    };
    // minLoadMs 1 h: every load is cheaper, so the class is known cheap after the first.
    expect(
      await cache.getOrLoadGrouped('acme:q:h', id('first'), async () => 1, undefined, 3_600_000, 'c'),
    ).toBe(1);
    expect(
      await cache.getOrLoadGrouped('acme:q:h', id('second'), async () => 2, undefined, 3_600_000, 'c'),
    ).toBe(2);
    expect(made).toEqual(['first']);
    // A dear load is stored under its id; without a class the id is the class.
    expect(await cache.getOrLoadGrouped('acme:q:h', id('dear'), async () => 3)).toBe(3);
    expect(made).toEqual(['first', 'dear']);
    expect(await redis.hget(`${keys.cache('lazy:')}g:acme:q:h`, 'dear')).toBe('3');
  });

  it('does drop a group for every process: a second cache on the same Redis misses afterwards', async () => {
    const one = new Cache(redis, keys.cache('shared:'), 60_000);
    const two = new Cache(redis, keys.cache('shared:'), 60_000);
    expect(await one.getOrLoadGrouped('acme:q:h', 'a', async () => 'first')).toBe('first');
    expect(await two.getOrLoadGrouped('acme:q:h', 'a', async () => 'second')).toBe('first');
    await one.dropGroups(['acme:q:h']);
    expect(await two.getOrLoadGrouped('acme:q:h', 'a', async () => 'second')).toBe('second');
  });
});
