import { pino } from 'pino';
import { createRedis, Keys, type RedisClient } from '../../src/redis/index.ts';
import { createTsdbContext, tsdbOptions } from '../../src/tsdb/context.ts';
import { decodeHead } from '../../src/tsdb/head-record.ts';
import type { TsdbContext } from '../../src/tsdb/options.ts';
import { type Points, pointsBySeries } from '../../src/tsdb/points.ts';
import { registryEntries } from '../../src/tsdb/series-registry.ts';
import { openSpool } from '../../src/tsdb/spool/index.ts';
import { SampleWriter, type WriterOptions } from '../../src/tsdb/writer.ts';
import { waitFor } from '../harness/index.ts';
import { testConfig } from './config.ts';

export const silent = pino({ level: 'silent' });

export interface TestTsdb {
  readonly ctx: TsdbContext;
  readonly writer: SampleWriter;
  readonly redis: RedisClient;
  readonly dataDir: string;
  close(): Promise<void>;
}

/** A writer on a request-role connection (fail fast, socket timeout) to `redisUrl`, as the server builds it. */
export async function testTsdb(
  redisUrl: string,
  prefix: string,
  env: Record<string, string> = {},
  writerOptions: Partial<WriterOptions> = {},
): Promise<TestTsdb> {
  const config = testConfig({ REDIS_URL: redisUrl, VITALS_KEY_PREFIX: prefix, ...env });
  const redis = createRedis({ config: config.redis, logger: silent }, 'request');
  // Request connections have no offline queue: writes before the first connect would go to the spool.
  await waitFor(() => redis.status === 'ready' || redis.status === 'reconnecting', {
    timeoutMs: 10_000,
  }).catch(() => undefined);
  const options = tsdbOptions(config.storage, config.server.dataDir);
  const ctx = createTsdbContext(redis, new Keys(prefix), options);
  const spool = await openSpool({ dir: options.spoolDir, maxBytes: options.spoolMaxBytes });
  const writer = new SampleWriter(ctx, spool, { logger: silent, ...writerOptions });
  return {
    ctx,
    writer,
    redis,
    dataDir: config.server.dataDir,
    async close() {
      await writer.close();
      redis.disconnect();
    },
  };
}

/** Every point of every series of a host that sits in its heads, decoded straight from Redis. */
export async function headPoints(
  client: RedisClient,
  keys: Keys,
  org: string,
  host: string,
): Promise<Map<string, Points>> {
  const windows = await client.zrange(keys.heads(org, host), 0, -1);
  const bufs = await Promise.all(windows.map((w) => client.getBuffer(keys.head(org, host, Number(w)))));
  const names: Record<string, string> = {};
  const registry = registryEntries(
    await client.hgetall(keys.series(org, host)),
    await client.getBuffer(keys.names(org, host)),
  );
  for (const [id, key] of registry) names[id] = key;
  const out = new Map<string, Points>();
  for (const buf of bufs) {
    if (!buf) continue;
    for (const [id, points] of pointsBySeries(decodeHead(buf))) {
      const key = names[id] ?? `#${id}`;
      const prev = out.get(key);
      out.set(
        key,
        prev
          ? {
              timestamps: Float64Array.from([...prev.timestamps, ...points.timestamps]),
              values: Float64Array.from([...prev.values, ...points.values]),
            }
          : points,
      );
    }
  }
  return out;
}
