import type { Config, Logger } from '../config/index.ts';
import type { Keys, RedisClient } from '../redis/index.ts';
import { createTsdbContext, tsdbOptions } from './context.ts';
import type { TsdbContext } from './options.ts';
import { openSpool } from './spool/index.ts';
import { SampleWriter } from './writer.ts';

export interface Tsdb {
  readonly ctx: TsdbContext;
  readonly writer: SampleWriter;
  /** Flushes pending writes (to Redis or the spool) and closes the spool. Idempotent. */
  close(): Promise<void>;
}

export interface OpenTsdbDeps {
  readonly config: Config;
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** Opens the storage engine: context, disk spool (replayed in the background if it holds data) and writer. */
export async function openTsdb(deps: OpenTsdbDeps): Promise<Tsdb> {
  const options = tsdbOptions(deps.config.storage, deps.config.server.dataDir);
  const ctx = createTsdbContext(deps.redis, deps.keys, options, deps.now);
  const spool = await openSpool({ dir: options.spoolDir, maxBytes: options.spoolMaxBytes });
  if (!spool.isEmpty())
    deps.logger.info(
      { bytes: spool.size() },
      'disk spool holds data from an earlier run; it is replayed once Redis answers',
    );
  const writer = new SampleWriter(ctx, spool, { logger: deps.logger.child({ component: 'writer' }) });
  let closing: Promise<void> | undefined;
  return {
    ctx,
    writer,
    close: () => {
      closing ??= writer.close();
      return closing;
    },
  };
}
