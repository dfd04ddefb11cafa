import type { Socket } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis, uniquePrefix, waitFor } from '../../test/harness/index.ts';
import { loadConfig } from '../config/index.ts';
import { closeRedis, createRedis, type RedisClient } from './connection.ts';

const silent = pino({ level: 'silent' });

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.close();
});

/** Counts the writes the client's socket hands to the system from now on (`_write` or `_writev` each). */
function countWrites(client: RedisClient): () => number {
  const socket = (client as unknown as { stream: Socket & Record<string, unknown> }).stream;
  let writes = 0;
  for (const name of ['_write', '_writev'] as const) {
    const original = socket[name] as (...args: unknown[]) => unknown;
    socket[name] = (...args: unknown[]) => {
      writes += 1;
      return original.apply(socket, args);
    };
  }
  return () => writes;
}

async function ready(client: RedisClient): Promise<void> {
  await waitFor(() => client.status === 'ready', { timeoutMs: 10_000 });
}

describe('commands sent within one turn of the event loop', () => {
  it('does send them in one socket write, in the order sent, each with its own reply', async () => {
    const client = createRedis(
      { config: loadConfig({ REDIS_URL: redis.url }).redis, logger: silent },
      'request',
    );
    try {
      await ready(client);
      const key = `${uniquePrefix()}turn`;
      const writes = countWrites(client);
      // Single commands and a pipeline, all in one turn: the later reads must see the earlier writes.
      const set = client.set(key, '1');
      const piped = client.pipeline().incr(key).incr(key).exec();
      const get = client.get(key);
      const del = client.del(key);
      expect(await set).toBe('OK');
      expect(await piped).toEqual([
        [null, 2],
        [null, 3],
      ]);
      expect(await get).toBe('3');
      expect(await del).toBe(1);
      expect(writes()).toBe(1);
    } finally {
      await closeRedis(client);
    }
  });

  it('does send a command of a later turn in a write of its own, and a copy of a connection coalesces too', async () => {
    const client = createRedis(
      { config: loadConfig({ REDIS_URL: redis.url }).redis, logger: silent },
      'request',
    );
    const copy = client.duplicate();
    try {
      await ready(client);
      await ready(copy);
      const key = `${uniquePrefix()}turns`;
      const writes = countWrites(client);
      for (let i = 1; i <= 3; i++) expect(await client.incr(key)).toBe(i);
      expect(writes()).toBe(3);
      const copyWrites = countWrites(copy);
      const replies = await Promise.all([copy.incr(key), copy.incr(key), copy.get(key)]);
      expect(replies).toEqual([4, 5, '5']);
      expect(copyWrites()).toBe(1);
      await client.del(key);
    } finally {
      copy.disconnect();
      await closeRedis(client);
    }
  });
});
