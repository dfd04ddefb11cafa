import type { Redis } from 'ioredis';
import { Keys } from '../../redis/index.ts';
import { HeadRecordWriter } from '../head-record.ts';
import { HotTier } from '../hot-tier.ts';
import { DAY_MS, dayStart, WINDOW_MS, windowStart } from '../layout.ts';
import type { TsdbContext, TsdbOptions } from '../options.ts';
import { type Points, slicePoints } from '../points.ts';
import { SeriesRegistry } from '../series-registry.ts';
import {
  computeRollup,
  encodeHourlyField,
  encodeRawColumn,
  encodeRollupBlock,
  encodeWindowTimestamps,
  type Rollup,
} from '../window-format.ts';
import { DecodedBlocks } from './decoded-blocks.ts';

/**
 * Test support for the read side: a context on a real Redis, and writers that put points where the
 * writer (heads) and the sealer (sealed windows) would, built from the documented formats only. The
 * sealing here is a stand-in to be cross-checked against the real sealer.
 */
export const TEST_OPTIONS: TsdbOptions = {
  retentionMs: { raw: 30 * DAY_MS, '1m': 180 * DAY_MS, '1h': 5 * 365 * DAY_MS },
  sealGraceMs: 300_000,
  maxFutureSkewMs: 300_000,
  flushIntervalMs: 50,
  flushBatchSamples: 50_000,
  ack: 'durable',
  bufferMaxSamples: 1_000_000,
  spoolMaxBytes: 2 ** 30,
  spoolDir: '',
  hotPoints: 60,
  hotMaxSeries: 200_000,
  hotReloadMs: DAY_MS,
};

export function testContext(
  redis: Redis,
  prefix: string,
  now: number,
  options: Partial<TsdbOptions> = {},
): TsdbContext {
  const keys = new Keys(prefix);
  const merged = { ...TEST_OPTIONS, ...options };
  const hot = new HotTier({ pointsPerSeries: merged.hotPoints, maxSeries: merged.hotMaxSeries });
  // Decoded blocks kept, as a server keeps them (16 MiB unless `decodeCacheBytes` says otherwise).
  const cacheBytes = merged.decodeCacheBytes ?? 16 * 1024 * 1024;
  const decoded = cacheBytes > 0 ? new DecodedBlocks(cacheBytes) : undefined;
  return {
    redis,
    keys,
    series: new SeriesRegistry(redis, keys),
    hot,
    options: merged,
    now: () => now,
    decoded,
  };
}

/** `count` points every `intervalMs` from `start`, values from `value(i)`. */
export function makePoints(
  start: number,
  count: number,
  intervalMs: number,
  value: (i: number) => number,
): Points {
  const timestamps = new Float64Array(count);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    timestamps[i] = start + i * intervalMs;
    values[i] = value(i);
  }
  return { timestamps, values };
}

/** Ids for series keys (allocated as the writer would). */
export async function idsOf(
  ctx: TsdbContext,
  org: string,
  host: string,
  keys: readonly string[],
): Promise<Map<string, number>> {
  const ids = await ctx.series.ids(org, host, keys);
  return new Map(keys.map((k, i) => [k, ids[i] as number]));
}

/** APPENDs the points as head records (one record per window), as the writer's flush does. */
export async function writeHead(
  ctx: TsdbContext,
  org: string,
  host: string,
  byId: ReadonlyMap<number, Points>,
): Promise<void> {
  const pipeline = ctx.redis.pipeline();
  for (const [ws, perId] of splitByWindow(byId)) {
    const writer = new HeadRecordWriter();
    for (const [id, p] of perId) {
      for (let i = 0; i < p.timestamps.length; i++)
        writer.addGroup(p.timestamps[i] as number, [id], [p.values[i] as number]);
    }
    pipeline.append(ctx.keys.head(org, host, ws), writer.finish());
    pipeline.zadd(ctx.keys.heads(org, host), ws, String(ws));
  }
  pipeline.zadd(ctx.keys.hostsIndex(), ctx.now(), `${org}:${host}`);
  await pipeline.exec();
}

export interface SealOptions {
  /** Write the raw columns and index them; false simulates raw retention having dropped them. @defaultValue true */
  readonly raw?: boolean;
  /** Write 1-minute rollups. @defaultValue true */
  readonly minute?: boolean;
  /** Write 1-hour rollups. @defaultValue true */
  readonly hour?: boolean;
}

/**
 * Seals the points as the sealer would: per window `t`, `r:<id>`, `m:<id>` (lean while raw is written),
 * the hourly field, the indexes.
 */
export async function writeSealed(
  ctx: TsdbContext,
  org: string,
  host: string,
  byId: ReadonlyMap<number, Points>,
  options: SealOptions = {},
): Promise<void> {
  const pipeline = ctx.redis.pipeline();
  for (const [ws, perId] of splitByWindow(byId)) {
    const key = ctx.keys.window(org, host, ws);
    const fields = sealedFields(ws, perId, options);
    if (fields.length > 0) pipeline.hset(key, ...fields);
    if (options.raw !== false) pipeline.zadd(ctx.keys.windowIndex(org, host, 'raw'), ws, String(ws));
    if (options.minute !== false) pipeline.zadd(ctx.keys.windowIndex(org, host, '1m'), ws, String(ws));
    if (options.hour === false) continue;
    const hourly = new Map<number, Rollup>(
      [...perId].map(([id, p]) => [id, computeRollup(p, ws, 3_600_000, 2)]),
    );
    pipeline.hset(
      ctx.keys.hourly(org, host, dayStart(ws)),
      String(ws),
      Buffer.from(encodeHourlyField(hourly, ws, 3_600_000, 2)),
    );
    pipeline.zadd(ctx.keys.hourlyIndex(org, host), dayStart(ws), String(dayStart(ws)));
  }
  pipeline.zadd(ctx.keys.hostsIndex(), ctx.now(), `${org}:${host}`);
  await pipeline.exec();
}

function sealedFields(
  ws: number,
  perId: ReadonlyMap<number, Points>,
  options: SealOptions,
): Array<string | Buffer> {
  const out: Array<string | Buffer> = [];
  if (options.raw !== false) {
    const t = unionTimestamps([...perId.values()]);
    out.push('t', Buffer.from(encodeWindowTimestamps(t)));
    for (const [id, p] of perId) out.push(`r:${id}`, Buffer.from(encodeRawColumn(t, p)));
  }
  if (options.minute !== false) {
    for (const [id, p] of perId) {
      // Lean (sum and count) while the raw columns are there, as the sealer writes them; whole once
      // they are gone, as retention leaves them.
      const rollup = computeRollup(p, ws, 60_000, 120);
      const lean = options.raw !== false;
      const block = encodeRollupBlock(rollup, ws, 60_000, 120, undefined, undefined, lean).finish();
      out.push(`m:${id}`, Buffer.from(block));
    }
  }
  return out;
}

/** Writes the `latest` HASH entry of a series (16 bytes, as the writer's flush does). */
export async function writeLatest(
  ctx: TsdbContext,
  org: string,
  host: string,
  id: number,
  timestamp: number,
  value: number,
): Promise<void> {
  const buf = Buffer.alloc(16);
  buf.writeDoubleLE(timestamp, 0);
  buf.writeDoubleLE(value, 8);
  await ctx.redis.hset(ctx.keys.latest(org, host), String(id), buf);
}

/** Puts the points into the hot tier, as ingest does. */
export function writeHot(ctx: TsdbContext, org: string, host: string, key: string, p: Points): void {
  for (let i = 0; i < p.timestamps.length; i++)
    ctx.hot.add(org, host, key, p.timestamps[i] as number, p.values[i] as number);
}

function splitByWindow(byId: ReadonlyMap<number, Points>): Map<number, Map<number, Points>> {
  const out = new Map<number, Map<number, Points>>();
  for (const [id, p] of byId) {
    for (let i = 0; i < p.timestamps.length; ) {
      const ws = windowStart(p.timestamps[i] as number);
      const part = slicePoints(p, ws, ws + WINDOW_MS - 1);
      i += part.timestamps.length;
      if (!out.has(ws)) out.set(ws, new Map());
      out.get(ws)?.set(id, part);
    }
  }
  return new Map([...out].sort(([a], [b]) => a - b));
}

function unionTimestamps(parts: readonly Points[]): Float64Array {
  const all = new Set<number>();
  for (const p of parts) for (const t of p.timestamps) all.add(t);
  return Float64Array.from([...all].sort((a, b) => a - b));
}
