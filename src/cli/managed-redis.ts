import type { Config, Logger } from '../config/index.ts';
import { installHint, ManagedRedis, portAnswers } from '../redis/index.ts';

/**
 * Decides whether to start a managed redis-server: only when the operator named no Redis, asked for no
 * TLS (the managed server speaks plain TCP), management is `auto`, and nothing answers on the default
 * address. Without the binary, Vitals runs degraded.
 */
export async function maybeStartManaged(
  config: Config,
  logger: Logger,
  findBinary: () => Promise<string | undefined>,
): Promise<ManagedRedis | undefined> {
  const { redis } = config;
  if (redis.explicit || redis.tls || redis.managed === 'off' || redis.mode !== 'standalone') return undefined;
  if (await portAnswers(redis.host, redis.port)) return undefined;
  const binary = await findBinary();
  if (!binary) {
    logger.warn(
      `no Redis answers on ${redis.host}:${redis.port} and redis-server is not installed: running degraded; ${installHint}`,
    );
    return undefined;
  }
  const managed = new ManagedRedis({
    binary,
    host: redis.host,
    port: redis.port,
    dataDir: config.server.dataDir,
    logger,
  });
  logger.info({ dir: managed.dir, port: redis.port }, 'starting a managed redis-server (AOF on, noeviction)');
  await managed.start();
  return managed;
}
