/**
 * Helpers shared by the seal tests: a private redis-server per test file, a TsdbContext with an
 * injectable clock under a fresh key prefix, heads written the way the writer writes them (APPEND of
 * head records), and a dump of every key under a prefix so two runs can be compared byte for byte.
 */
import { tmpdir } from 'node:os';
import type { Redis } from 'ioredis';
import { uniquePrefix } from '../../../test/harness/index.ts';
import { Keys } from '../../redis/index.ts';
import { HeadRecordWriter } from '../head-record.ts';
import { HotTier } from '../hot-tier.ts';
import { DAY_MS, windowStart } from '../layout.ts';
import type { TsdbContext, TsdbOptions } from '../options.ts';
import type { Points } from '../points.ts';
import { SeriesRegistry } from '../series-registry.ts';
import { decodeWindow } from './build.ts';

/** A Monday at midnight UTC: aligned to windows and days. */
export const T0 = Date.UTC(2024, 0, 8);
export const ORG = 'acme';
export const HOST = 'web-1';

export { useRedis } from '../../../test/harness/index.ts';

export interface TestContext extends TsdbContext {
  /** Moves the injected clock. */
  setNow(ms: number): void;
}

export function testOptions(overrides: Partial<TsdbOptions> = {}): TsdbOptions {
  return {
    retentionMs: { raw: 30 * DAY_MS, '1m': 180 * DAY_MS, '1h': 5 * 365 * DAY_MS },
    sealGraceMs: 5 * 60_000,
    maxFutureSkewMs: 5 * 60_000,
    flushIntervalMs: 50,
    flushBatchSamples: 50_000,
    ack: 'durable',
    bufferMaxSamples: 1_000_000,
    spoolMaxBytes: 1 << 30,
    spoolDir: tmpdir(),
    hotPoints: 60,
    hotMaxSeries: 1000,
    hotReloadMs: DAY_MS,
    ...overrides,
  };
}

/** A context under a fresh prefix whose clock starts a day after T0 (so T0's windows are due). */
export function testContext(
  client: Redis,
  prefix = uniquePrefix('seal'),
  overrides: Partial<TsdbOptions> = {},
): TestContext {
  const keys = new Keys(prefix);
  let now = T0 + DAY_MS;
  return {
    redis: client,
    keys,
    series: new SeriesRegistry(client, keys),
    hot: new HotTier({ pointsPerSeries: 60, maxSeries: 1000 }),
    options: testOptions(overrides),
    now: () => now,
    setNow: (ms) => {
      now = ms;
    },
  };
}

export interface Sample {
  readonly id: number;
  readonly t: number;
  readonly v: number;
}

/** One head record holding `samples` (grouped by timestamp, in order). */
export function headRecord(samples: readonly Sample[]): Buffer {
  const writer = new HeadRecordWriter();
  let at = 0;
  while (at < samples.length) {
    let end = at;
    while (end < samples.length && samples[end]?.t === samples[at]?.t) end++;
    const group = samples.slice(at, end);
    writer.addGroup(
      group[0]?.t ?? 0,
      group.map((s) => s.id),
      group.map((s) => s.v),
    );
    at = end;
  }
  return writer.finish();
}

/** Appends samples as the writer does: one record per window, APPEND, then list the window and the host. */
export async function appendSamples(
  ctx: TsdbContext,
  samples: readonly Sample[],
  org = ORG,
  host = HOST,
): Promise<void> {
  const byWindow = new Map<number, Sample[]>();
  for (const s of samples) {
    const ws = windowStart(s.t);
    const group = byWindow.get(ws);
    if (group) group.push(s);
    else byWindow.set(ws, [s]);
  }
  for (const [ws, group] of byWindow) await appendRecord(ctx, ws, headRecord(group), org, host);
}

export async function appendRecord(
  ctx: TsdbContext,
  ws: number,
  record: Buffer,
  org = ORG,
  host = HOST,
): Promise<void> {
  const { keys } = ctx;
  // APPEND before listing the window: a sealer that sees the listing always finds the bytes.
  await ctx.redis.append(keys.head(org, host, ws), record);
  await ctx.redis.zadd(keys.heads(org, host), ws, String(ws));
  await ctx.redis.zadd(keys.hostsIndex(), ctx.now(), `${org}:${host}`);
}

/** The raw points of every series of a sealed window, as stored. */
export async function readWindow(
  ctx: TsdbContext,
  ws: number,
  org = ORG,
  host = HOST,
): Promise<Map<number, Points>> {
  return decodeWindow(await ctx.redis.hgetallBuffer(ctx.keys.window(org, host, ws)));
}

/** What a store should hold after sealing `samples`: per series, sorted, last write wins. */
export function expectedPoints(samples: readonly Sample[]): Map<number, Array<[number, string]>> {
  const bySeries = new Map<number, Map<number, number>>();
  for (const s of samples) {
    const series = bySeries.get(s.id) ?? new Map<number, number>();
    series.set(s.t, s.v);
    bySeries.set(s.id, series);
  }
  const out = new Map<number, Array<[number, string]>>();
  for (const [id, series] of bySeries) {
    out.set(
      id,
      [...series].sort((a, b) => a[0] - b[0]).map(([t, v]) => [t, bitsOf(v)]),
    );
  }
  return out;
}

/** Points as [timestamp, value bits] pairs: compares NaN, -0 and every payload exactly. */
export function asPairs(series: Map<number, Points>): Map<number, Array<[number, string]>> {
  const out = new Map<number, Array<[number, string]>>();
  for (const [id, p] of series)
    out.set(
      id,
      Array.from(p.timestamps, (t, i) => [t, bitsOf(p.values[i] ?? 0)]),
    );
  return out;
}

export function bitsOf(v: number): string {
  return Buffer.from(new Float64Array([v]).buffer).toString('hex');
}

/** Every key under `prefix` (name without the prefix) → type and content, order-independent. */
export async function dumpKeys(client: Redis, prefix: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of await client.keys(`${prefix}*`)) {
    const name = key.slice(prefix.length);
    const type = await client.type(key);
    if (type === 'string') out[name] = `string ${(await client.getBuffer(key))?.toString('hex')}`;
    else if (type === 'hash') out[name] = `hash ${hashDump(await client.hgetallBuffer(key))}`;
    else if (type === 'zset') out[name] = `zset ${(await client.zrange(key, 0, -1, 'WITHSCORES')).join(',')}`;
    else out[name] = type;
  }
  return out;
}

function hashDump(fields: Record<string, Buffer>): string {
  return Object.keys(fields)
    .sort()
    .map((name) => `${name}=${fields[name]?.toString('hex')}`)
    .join(',');
}

/** `count` samples of one series every `stepMs` from `from`, values from `value(i)`. */
export function series(
  id: number,
  from: number,
  count: number,
  stepMs: number,
  value: (i: number) => number,
): Sample[] {
  return Array.from({ length: count }, (_, i) => ({ id, t: from + i * stepMs, v: value(i) }));
}

/** Samples interleaved by timestamp, as an agent snapshot would send them. */
export function byTime(...parts: Sample[][]): Sample[] {
  return parts.flat().sort((a, b) => a.t - b.t || a.id - b.id);
}
