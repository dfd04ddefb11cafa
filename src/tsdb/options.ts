import type { Keys, RedisClient } from '../redis/index.ts';
import type { TrackedReads } from '../redis/tracked-reads.ts';
import type { HotTier } from './hot-tier.ts';
import type { Tier } from './layout.ts';
import type { DecodedBlocks } from './query/decoded-blocks.ts';
import type { SeriesRegistry } from './series-registry.ts';

export type Ack = 'durable' | 'buffered';

/** Where an acknowledged write went. */
export type StoredIn = 'redis' | 'spool' | 'memory';

export interface TsdbOptions {
  /** Retention per tier in ms. @defaultValue raw 30 d, 1m 180 d, 1h 5 y */
  readonly retentionMs: Readonly<Record<Tier, number>>;
  /** Windows are sealed this long after they close, so late samples still land in the head. @defaultValue 5 min */
  readonly sealGraceMs: number;
  /** Samples more than this far ahead of the server clock are rejected. @defaultValue 5 min */
  readonly maxFutureSkewMs: number;
  /** Group-commit interval of the writer. @defaultValue 10 ms */
  readonly flushIntervalMs: number;
  /** A flush starts early once this many samples are pending. @defaultValue 50000 */
  readonly flushBatchSamples: number;
  /** Default acknowledgement mode. @defaultValue durable */
  readonly ack: Ack;
  /**
   * Replicas every flush must reach before it counts as written (`WAIT count timeoutMs` at the end of
   * each pipeline, per Cluster slot group); fewer confirmations make it fail as unavailable, so the
   * writer spools it. Absent or count 0: no wait.
   */
  readonly durableReplicas?: { readonly count: number; readonly timeoutMs: number };
  /** Samples `ack=buffered` may hold in memory before it makes callers wait. @defaultValue 1000000 */
  readonly bufferMaxSamples: number;
  /** Disk spool cap while Redis is down; past it writes are refused (retryable). @defaultValue 1 GiB */
  readonly spoolMaxBytes: number;
  /** Directory of the spool. */
  readonly spoolDir: string;
  /** Points per series in the hot tier. @defaultValue 60 */
  readonly hotPoints: number;
  /** Series the hot tier holds at most. @defaultValue 200000 */
  readonly hotMaxSeries: number;
  /** At start-up, hosts written within this long are reloaded into the hot tier. @defaultValue 24 h */
  readonly hotReloadMs: number;
  /**
   * Which queries the hot tier may answer: `all` (recent, range and aggregate too: fastest with one
   * server process), `latest` (only newest values: every other query reads Redis, which holds the
   * writes of every process) or `none` (newest values too read Redis: with several processes taking
   * turns on a host's pushes, another's hot tier may hold an older newest value). While Redis is away
   * the hot tier answers whatever the setting. @defaultValue latest (from the configuration; absent means all)
   */
  readonly hotReads?: 'all' | 'latest' | 'none';
  /**
   * Threads that decode and encode windows for sealing and compaction, off the event loop; 0: on the
   * event loop, in 4-ms slices. @defaultValue 1
   */
  readonly encodeThreads?: number;
  /**
   * Bytes of decoded 1-minute rollup blocks kept per process (query/decoded-blocks.ts); absent or 0:
   * none. The server's comes from VITALS_DECODE_CACHE_BYTES (64 MiB by default).
   */
  readonly decodeCacheBytes?: number;
}

/** What the storage components share: one fail-fast Redis connection, keys, series ids, the hot tier. */
export interface TsdbContext {
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly series: SeriesRegistry;
  readonly hot: HotTier;
  readonly options: TsdbOptions;
  /** Injected clock (ms since epoch). */
  readonly now: () => number;
  /** Replies of sealed-window reads kept in memory (VITALS_READ_CACHE_BYTES); absent: every query reads Redis. */
  readonly reads?: TrackedReads;
  /** Decoded 1-minute rollup blocks kept in memory (VITALS_DECODE_CACHE_BYTES); absent: every read decodes. */
  readonly decoded?: DecodedBlocks;
}
