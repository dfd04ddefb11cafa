import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { type RedisServer, startRedis } from './redis-server.ts';

/**
 * Starts one private redis-server for the test file (before all its tests, closed after them); the
 * getter returns an ioredis client to it.
 */
export function useRedis(): () => Redis {
  let server: RedisServer | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    server = await startRedis();
    client = server.client();
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (!client) throw new Error('redis not started yet');
    return client;
  };
}
