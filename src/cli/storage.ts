import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config, Logger } from '../config/index.ts';
import { closeRedis, createRedis, Keys, pingMs, type RedisClient } from '../redis/index.ts';
import { openTsdb, type Tsdb } from '../tsdb/index.ts';

export interface Storage {
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly tsdb: Tsdb;
  close(): Promise<void>;
}

/** Thrown when a one-shot command cannot reach Redis. */
export class RedisUnreachableError extends Error {
  override name = 'RedisUnreachableError';
}

/**
 * Storage for one-shot commands (import, export, maintenance): Redis must answer (a CLI job has no
 * later moment to replay a spool), and the job gets its own spool directory so it never contends for
 * the running server's.
 */
export async function openStorage(config: Config, logger: Logger, job: string): Promise<Storage> {
  const redis = await openRedis(config, logger, job);
  const keys = new Keys(config.redis.keyPrefix);
  const spoolDir = join(config.server.dataDir, `spool-${job}-${process.pid}`);
  // A job reads each window once: no tracked reads (nor their two connections), no decoded blocks kept.
  const tsdb = await openTsdb({
    config,
    redis,
    keys,
    logger,
    spoolDir,
    trackedReads: false,
    decodedBlocks: false,
  });
  return {
    redis,
    keys,
    tsdb,
    async close() {
      await tsdb.close();
      await closeRedis(redis);
      // A job's spool is only kept when Redis failed mid-job; the server does not replay it, so say so.
      const spooled = tsdb.writer.stats().spoolBytes;
      if (spooled === 0) await rm(spoolDir, { recursive: true, force: true });
      else
        logger.error(
          { spoolDir, bytes: spooled },
          'Redis failed during the job; samples are kept in a spool: run the job again',
        );
    },
  };
}

/** A request-role connection for a one-shot command, once Redis answers (else `RedisUnreachableError`). */
export async function openRedis(config: Config, logger: Logger, job: string): Promise<RedisClient> {
  const redis = createRedis({ config: config.redis, logger }, 'request', job);
  try {
    await waitReady(redis, config.redis.connectTimeoutMs);
    await pingMs(redis, config.redis.connectTimeoutMs);
  } catch (err: unknown) {
    redis.disconnect();
    const where =
      config.redis.mode === 'standalone' ? `${config.redis.host}:${config.redis.port}` : config.redis.mode;
    throw new RedisUnreachableError(
      `Redis (${where}) is not reachable: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return redis;
}

function waitReady(redis: RedisClient, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
