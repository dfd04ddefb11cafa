import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadConfig } from '../src/config/index.ts';
import { type CommandTimings, createRedis, Keys } from '../src/redis/index.ts';
import { createTsdbContext, tsdbOptions } from '../src/tsdb/context.ts';
import type { TsdbContext } from '../src/tsdb/index.ts';
import { openSpool } from '../src/tsdb/spool/index.ts';
import { SampleWriter } from '../src/tsdb/writer.ts';
import { type RedisServer, startRedis } from '../test/harness/index.ts';

export const silent = pino({ level: 'silent' });

export interface BenchDb {
  readonly server: RedisServer;
  readonly ctx: TsdbContext;
  readonly writer: SampleWriter;
  readonly admin: Redis;
  close(): Promise<void>;
}

/**
 * A private redis-server and a storage engine on it, configured as the server would be; with
 * `timings`, every command is timed into them as the server does.
 */
export async function benchDb(
  env: Record<string, string> = {},
  opts: { timings?: CommandTimings } = {},
): Promise<BenchDb> {
  const server = await startRedis();
  const dataDir = mkdtempSync(join(tmpdir(), 'vitals-bench-'));
  const config = loadConfig({
    REDIS_URL: server.url,
    VITALS_DATA_DIR: dataDir,
    VITALS_RETENTION_RAW: '40d',
    ...env,
  });
  const redis = createRedis({ config: config.redis, logger: silent, timings: opts.timings }, 'request');
  const ctx = createTsdbContext(
    redis,
    new Keys(config.redis.keyPrefix),
    tsdbOptions(config.storage, dataDir),
  );
  const spool = await openSpool({ dir: join(dataDir, 'spool') });
  const writer = new SampleWriter(ctx, spool, { logger: silent });
  const admin = server.client();
  await untrackLatency(admin);
  return {
    server,
    ctx,
    writer,
    admin,
    async close() {
      await writer.close();
      redis.disconnect();
      await server.close();
    },
  };
}

export async function baselineRedis(): Promise<{ server: RedisServer; client: Redis }> {
  const server = await startRedis();
  const client = server.client();
  await untrackLatency(client);
  return { server, client };
}

/**
 * Redis 7 keeps a latency histogram (~37 KB) for every command name from the first time it runs
 * (`latency-tracking`), counted in `used_memory`. About fifteen commands cost ~0.5 MB whatever the data
 * holds (0.45 B/sample on the 40-minute capture), so bench Redis servers measured for storage run
 * without it: `used_memory` growth is then what the stored data holds.
 */
export async function untrackLatency(client: Redis): Promise<void> {
  await client.config('SET', 'latency-tracking', 'no');
}

/**
 * Bytes the keys matching `pattern` hold, by Redis' own per-key account (`MEMORY USAGE … SAMPLES 0`,
 * every field counted). Within 2 % of the `used_memory` drop when those keys are deleted, measured on
 * the capture, and free of what the process allocates and frees around them: the `used_memory` growth
 * since a server's start moved by ±0.1 B/sample between runs of the 40-minute capture.
 */
export async function keyBytes(client: Redis, pattern: string): Promise<number> {
  let total = 0;
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) total += Number(await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
  } while (cursor !== '0');
  return total;
}

export async function usedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await fn(item);
      }
    }),
  );
}
