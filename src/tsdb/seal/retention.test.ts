import { describe, expect, it } from 'vitest';
import { DAY_MS, WINDOW_MS } from '../layout.ts';
import { aggregate } from '../query/aggregate.ts';
import type { AggregateFn } from '../query/types.ts';
import { sealDue } from './due.ts';
import { planWindow } from './encode-jobs.ts';
import { runMaintenance } from './maintenance.ts';
import { enforceRetention } from './retention.ts';
import {
  appendSamples,
  dumpKeys,
  HOST,
  ORG,
  series,
  T0,
  type TestContext,
  testContext,
  useRedis,
} from './test-support.ts';
import { sealWindow } from './window.ts';

const redis = useRedis();
const RAW = 30 * DAY_MS;
const MINUTE_TIER = 180 * DAY_MS;
const HOUR_TIER = 5 * 365 * DAY_MS;
/** A window on the next day, so the two windows' hourly rollups live in different day HASHes. */
const T1 = T0 + DAY_MS;

/**
 * Two sealed windows (T0 and T1) of one host, with series ids and a latest value, as a writer leaves
 * them: a noisy series (columns of their own, `r:`/`m:`) and a constant one (in packs, `R:`/`M:`).
 */
async function sealedHost(ctx: TestContext): Promise<void> {
  const [cpu, disk] = await ctx.series.ids(ORG, HOST, ['cpu.usage', 'disk.total']);
  await ctx.redis.hset(ctx.keys.latest(ORG, HOST), String(cpu), Buffer.alloc(16));
  const noisy = (i: number) => Math.sin(i) * 1000;
  await appendSamples(ctx, [
    ...series(cpu ?? 1, T0, 60, 60_000, noisy),
    ...series(disk ?? 2, T0, 60, 60_000, () => 5e11),
    ...series(cpu ?? 1, T1, 60, 60_000, noisy),
    ...series(disk ?? 2, T1, 60, 60_000, () => 5e11),
  ]);
  ctx.setNow(T1 + DAY_MS);
  expect((await sealDue(ctx)).windows).toBe(2);
}

async function fieldKinds(ctx: TestContext, ws: number): Promise<string[]> {
  const names = await ctx.redis.hkeys(ctx.keys.window(ORG, HOST, ws));
  return [...new Set(names.map((n) => (n === 't' ? 't' : n.slice(0, 2))))].sort();
}

const zset = (ctx: TestContext, key: string) => ctx.redis.zrange(key, 0, -1);

describe('enforceRetention', () => {
  it('does not run in a maintenance run told to skip it, and runs in the next', async () => {
    const ctx = testContext(redis());
    await sealedHost(ctx);
    ctx.setNow(T0 + WINDOW_MS + RAW);
    expect(await runMaintenance(ctx, { retention: false })).toMatchObject({
      rawWindowsExpired: 0,
      failures: 0,
    });
    expect(await fieldKinds(ctx, T0)).toEqual(['M:', 'R:', 'm:', 'r:', 't']);
    expect(await runMaintenance(ctx)).toMatchObject({ rawWindowsExpired: 1, failures: 0 });
    expect(await fieldKinds(ctx, T0)).toEqual(['M:', 'm:']);
  });

  it('does drop only the raw tier exactly when a window ages out of raw retention', async () => {
    const ctx = testContext(redis());
    await sealedHost(ctx);
    ctx.setNow(T0 + WINDOW_MS + RAW - 1);
    expect(await enforceRetention(ctx)).toMatchObject({ rawExpired: 0, minuteExpired: 0, daysExpired: 0 });
    expect(await fieldKinds(ctx, T0)).toEqual(['M:', 'R:', 'm:', 'r:', 't']);
    ctx.setNow(T0 + WINDOW_MS + RAW);
    expect(await enforceRetention(ctx)).toMatchObject({ rawExpired: 1, minuteExpired: 0, daysExpired: 0 });
    expect(await fieldKinds(ctx, T0)).toEqual(['M:', 'm:']);
    expect(await fieldKinds(ctx, T1)).toEqual(['M:', 'R:', 'm:', 'r:', 't']);
    expect(await zset(ctx, ctx.keys.windowIndex(ORG, HOST, 'raw'))).toEqual([String(T1)]);
    expect(await zset(ctx, ctx.keys.windowIndex(ORG, HOST, '1m'))).toEqual([String(T0), String(T1)]);
  });

  it('does write the lean 1-minute blocks whole from raw in the step that drops the raw tier', async () => {
    const ctx = testContext(redis());
    await sealedHost(ctx);
    const window = ctx.keys.window(ORG, HOST, T0);
    const before = await ctx.redis.hgetallBuffer(window);
    const ask = (fn: AggregateFn) =>
      aggregate(ctx, ORG, HOST, ['cpu.usage', 'disk.total'], T0, T0 + WINDOW_MS - 1, 300_000, fn);
    const fns = ['min', 'max', 'last', 'sum', 'count', 'avg'] as const;
    const answers = new Map<AggregateFn, unknown>();
    for (const fn of fns) {
      const r = await ask(fn);
      answers.set(
        fn,
        [...r.series].map(([k, p]) => [k, [...p.timestamps], [...p.values]]),
      );
    }
    ctx.setNow(T0 + WINDOW_MS + RAW);
    expect(await enforceRetention(ctx)).toMatchObject({ rawExpired: 1, minuteExpired: 0 });
    // The blocks are those a whole seal of the same raw columns writes, byte for byte.
    const plan = await planWindow({
      head: new Uint8Array(0),
      window: before,
      windowStart: T0,
      expired: false,
      wholeRollups: true,
    });
    const whole = Object.fromEntries(
      (plan.encoded?.fields ?? [])
        .filter(([name]) => /^[mM]:/.test(name))
        .map(([n, v]) => [n, Buffer.from(v)]),
    );
    expect(await ctx.redis.hgetallBuffer(window)).toEqual(whole);
    // Every function now reads the 1-minute tier alone and answers as raw did.
    for (const fn of fns) {
      const r = await ask(fn);
      expect([fn, r.tiers]).toEqual([fn, ['1m']]);
      expect([fn, [...r.series].map(([k, p]) => [k, [...p.timestamps], [...p.values]])]).toEqual([
        fn,
        answers.get(fn),
      ]);
    }
    // A second run finds nothing left to do.
    expect(await enforceRetention(ctx)).toMatchObject({ rawExpired: 0, minuteExpired: 0 });
    expect(await ctx.redis.hgetallBuffer(window)).toEqual(whole);
  });

  it('does delete the window exactly when it ages out of the 1m tier and keep its hourly rollups', async () => {
    const ctx = testContext(redis());
    await sealedHost(ctx);
    ctx.setNow(T0 + WINDOW_MS + MINUTE_TIER - 1);
    expect(await enforceRetention(ctx)).toMatchObject({ rawExpired: 2, minuteExpired: 0 });
    ctx.setNow(T0 + WINDOW_MS + MINUTE_TIER);
    expect(await enforceRetention(ctx)).toMatchObject({ rawExpired: 0, minuteExpired: 1, daysExpired: 0 });
    expect(await ctx.redis.exists(ctx.keys.window(ORG, HOST, T0))).toBe(0);
    expect(await fieldKinds(ctx, T1)).toEqual(['M:', 'm:']);
    expect(await zset(ctx, ctx.keys.windowIndex(ORG, HOST, '1m'))).toEqual([String(T1)]);
    expect(await zset(ctx, ctx.keys.hourlyIndex(ORG, HOST))).toEqual([String(T0), String(T1)]);
  });

  it('does delete hourly days and forget the host when every tier has aged out', async () => {
    const ctx = testContext(redis());
    await sealedHost(ctx);
    ctx.setNow(T0 + DAY_MS + HOUR_TIER - 1);
    expect(await enforceRetention(ctx)).toMatchObject({ daysExpired: 0, hostsForgotten: 0 });
    ctx.setNow(T0 + DAY_MS + HOUR_TIER);
    expect(await enforceRetention(ctx)).toMatchObject({ daysExpired: 1, hostsForgotten: 0 });
    expect(await zset(ctx, ctx.keys.hourlyIndex(ORG, HOST))).toEqual([String(T1)]);
    ctx.setNow(T1 + DAY_MS + HOUR_TIER);
    expect(await enforceRetention(ctx)).toMatchObject({ daysExpired: 1, hostsForgotten: 1 });
    // Only the series ids stay: processes cache them, so a host that reports again keeps its ids.
    expect(Object.keys(await dumpKeys(redis(), ctx.keys.prefix))).toEqual([
      ctx.keys.names(ORG, HOST).slice(ctx.keys.prefix.length),
    ]);
  });

  it('does keep the raw columns when the 1m tier is configured shorter than raw', async () => {
    const ctx = testContext(redis(), undefined, {
      retentionMs: { raw: RAW, '1m': 10 * DAY_MS, '1h': HOUR_TIER },
    });
    await sealedHost(ctx);
    ctx.setNow(T0 + WINDOW_MS + 10 * DAY_MS);
    expect(await enforceRetention(ctx)).toMatchObject({ rawExpired: 0, minuteExpired: 1 });
    expect(await fieldKinds(ctx, T0)).toEqual(['R:', 'r:', 't']);
    expect(await zset(ctx, ctx.keys.windowIndex(ORG, HOST, 'raw'))).toEqual([String(T0), String(T1)]);
  });

  it('does discard a head whose window aged out of raw retention before it was sealed', async () => {
    const ctx = testContext(redis());
    await appendSamples(
      ctx,
      series(1, T0, 30, 1000, (i) => i),
    );
    // The host last wrote a day after T0 and fell silent: sealDue no longer lists it.
    ctx.setNow(T0 + 2 * DAY_MS + RAW);
    expect((await sealDue(ctx)).hosts).toBe(0);
    const summary = await enforceRetention(ctx);
    expect(summary).toMatchObject({ headsDiscarded: 1, samplesDiscarded: 30, hostsForgotten: 1 });
    expect(await dumpKeys(redis(), ctx.keys.prefix)).toEqual({});
  });

  it('does discard late samples when their window already lost its raw tier', async () => {
    const ctx = testContext(redis());
    await sealedHost(ctx);
    ctx.setNow(T0 + WINDOW_MS + RAW);
    await enforceRetention(ctx);
    const before = await ctx.redis.hgetallBuffer(ctx.keys.window(ORG, HOST, T0));
    await appendSamples(
      ctx,
      series(1, T0 + 30_000, 5, 60_000, () => 7),
    );
    expect(await sealWindow(ctx, ORG, HOST, T0)).toMatchObject({ sealed: false, discarded: 5 });
    expect(await ctx.redis.hgetallBuffer(ctx.keys.window(ORG, HOST, T0))).toEqual(before);
    expect(await ctx.redis.exists(ctx.keys.head(ORG, HOST, T0))).toBe(0);
  });
});
