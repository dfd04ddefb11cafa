import type { StorageConfig } from '../config/index.ts';
import type { Keys, RedisClient } from '../redis/index.ts';
import { HotTier } from './hot-tier.ts';
import type { TsdbContext, TsdbOptions } from './options.ts';
import { DecodedBlocks } from './query/decoded-blocks.ts';
import { type SeriesLimits, SeriesRegistry } from './series-registry.ts';

/** Storage options from the validated configuration; the spool lives in `<dataDir>/spool`. */
export function tsdbOptions(storage: StorageConfig, dataDir: string): TsdbOptions {
  return {
    retentionMs: storage.retentionMs,
    sealGraceMs: storage.sealGraceMs,
    maxFutureSkewMs: storage.maxFutureSkewMs,
    flushIntervalMs: storage.flushIntervalMs,
    flushBatchSamples: storage.flushBatchSamples,
    ack: storage.ack,
    durableReplicas: storage.durableReplicas,
    bufferMaxSamples: storage.bufferMaxSamples,
    spoolMaxBytes: storage.spoolMaxBytes,
    spoolDir: `${dataDir}/spool`,
    hotPoints: storage.hotPoints,
    hotMaxSeries: storage.hotMaxSeries,
    hotReloadMs: storage.hotReloadMs,
    hotReads: storage.hotReads,
    encodeThreads: storage.encodeThreads,
    decodeCacheBytes: storage.decodeCacheBytes,
  };
}

export function createTsdbContext(
  redis: RedisClient,
  keys: Keys,
  options: TsdbOptions,
  now: () => number = Date.now,
  limits?: SeriesLimits,
): TsdbContext {
  return {
    redis,
    keys,
    options,
    now,
    series: new SeriesRegistry(redis, keys, limits),
    hot: new HotTier({ pointsPerSeries: options.hotPoints, maxSeries: options.hotMaxSeries }),
    decoded: options.decodeCacheBytes ? new DecodedBlocks(options.decodeCacheBytes) : undefined,
  };
}
