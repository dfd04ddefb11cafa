import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { uniquePrefix, useRedis } from '../../../test/harness/index.ts';
import { ByteReader } from '../codec/bytes.ts';
import { QueryRejectedError } from '../errors.ts';
import { bucketStart, DAY_MS, WINDOW_MS } from '../layout.ts';
import type { Points } from '../points.ts';
import { sealWindow } from '../seal/window.ts';
import { aggregate } from './aggregate.ts';
import { SCRIPT_WINDOWS } from './guessed-read.ts';
import { readRollupBlock } from './rollup-columns.ts';
import { idsOf, makePoints, testContext, writeHead, writeHot, writeSealed } from './test-support.ts';
import { AGGREGATE_FNS, type AggregateFn } from './types.ts';
import { MANY_WINDOWS } from './windows.ts';

const W0 = Date.UTC(2025, 0, 10);
const NOW = W0 + 4 * WINDOW_MS;
const redisOf = useRedis();

/** The answer computed the obvious way: every non-NaN sample of each whole bucket. */
function direct(
  p: Points,
  from: number,
  to: number,
  step: number,
  fn: AggregateFn,
): { t: number[]; v: number[] } {
  const buckets = new Map<number, number[]>();
  const first = bucketStart(from, step);
  const last = bucketStart(to, step) + step - 1;
  p.timestamps.forEach((t, i) => {
    const v = p.values[i] as number;
    if (t < first || t > last || Number.isNaN(v)) return;
    const b = bucketStart(t, step);
    buckets.set(b, [...(buckets.get(b) ?? []), v]);
  });
  const v = [...buckets.values()].map((vs) => reduce(vs, fn));
  return { t: [...buckets.keys()], v };
}

function reduce(vs: number[], fn: AggregateFn): number {
  const sum = vs.reduce((a, b) => a + b, 0);
  const sorted = [...vs].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.ceil(q * sorted.length) - 1] ?? Number.NaN;
  const byFn: Record<AggregateFn, number> = {
    avg: sum / vs.length,
    min: Math.min(...vs),
    max: Math.max(...vs),
    sum,
    count: vs.length,
    last: vs.at(-1) ?? Number.NaN,
    p50: rank(0.5),
    p95: rank(0.95),
    p99: rank(0.99),
  };
  return byFn[fn];
}

const data = makePoints(W0, 2 * 1440, 5000, (i) =>
  i % 113 === 7 ? Number.NaN : ((i * 7919) % 1000) / 10 - 20,
);

async function stored(mode: 'head' | 'sealed', options: Parameters<typeof writeSealed>[4] = {}) {
  const ctx = testContext(redisOf(), uniquePrefix(`agg-${mode}`), NOW);
  const ids = await idsOf(ctx, 'o', 'h', ['s']);
  const byId = new Map([[ids.get('s') ?? 0, data]]);
  if (mode === 'head') await writeHead(ctx, 'o', 'h', byId);
  else await writeSealed(ctx, 'o', 'h', byId, options);
  return ctx;
}

describe('aggregate', () => {
  it('does match a direct computation for every function when the data is in heads or sealed', async () => {
    const from = W0 + 777_777;
    const to = W0 + 2 * WINDOW_MS - 1_234_567;
    for (const mode of ['head', 'sealed'] as const) {
      const ctx = await stored(mode);
      for (const step of [15_000, 60_000, 600_000, 3_600_000]) {
        for (const fn of AGGREGATE_FNS) {
          const got = (await aggregate(ctx, 'o', 'h', ['s'], from, to, step, fn)).series.get('s');
          const want = direct(data, from, to, step, fn);
          expect(Array.from(got?.timestamps ?? []), `${mode} ${fn}@${step}`).toEqual(want.t);
          for (const [i, v] of want.v.entries())
            expect(got?.values[i], `${mode} ${fn}@${step} #${i}`).toBeCloseTo(v, 9);
        }
      }
    }
  });

  it('does file each window’s rollups to it when many windows are read in one call', async () => {
    // 20 windows: from MANY_WINDOWS windows on, the rollups of all of them come in one flat reply.
    expect(20).toBeGreaterThanOrEqual(MANY_WINDOWS);
    const ctx = testContext(redisOf(), uniquePrefix('agg-many'), W0 + 21 * WINDOW_MS);
    const ids = await idsOf(ctx, 'o', 'h', ['a', 'b', 'c']);
    const series: Array<[string, Points]> = [
      ['a', makePoints(W0, 20 * 120, 60_000, (i) => ((i * 7919) % 1000) / 10)],
      // Only in windows 5 to 7: the other windows' replies hold nothing for it.
      ['b', makePoints(W0 + 5 * WINDOW_MS, 3 * 120, 60_000, (i) => i % 7)],
      ['c', makePoints(W0, 20 * 120, 60_000, (i) => -(i % 3))],
    ];
    await writeSealed(ctx, 'o', 'h', new Map(series.map(([key, p]) => [ids.get(key) ?? 0, p])), {
      raw: false,
    });
    const [from, to, step] = [W0, W0 + 20 * WINDOW_MS - 1, 1_800_000];
    for (const fn of ['avg', 'min', 'max', 'sum', 'count', 'last'] as const) {
      const r = await aggregate(ctx, 'o', 'h', ['a', 'b', 'c'], from, to, step, fn);
      expect(r.tiers).toEqual(['1m']);
      for (const [key, p] of series) {
        const got = r.series.get(key);
        const want = direct(p, from, to, step, fn);
        expect(Array.from(got?.timestamps ?? []), `${key} ${fn}`).toEqual(want.t);
        for (const [i, v] of want.v.entries()) expect(got?.values[i], `${key} ${fn} #${i}`).toBeCloseTo(v, 9);
      }
    }
  });

  it('does read packs only from windows that lack a column of their own, with the same answers', async () => {
    // Sealed by the sealer: a noisy series' blocks get fields of their own, a constant one's go into packs.
    const windows = MANY_WINDOWS + 2;
    const ctx = testContext(redisOf(), uniquePrefix('agg-packs'), W0 + (windows + 1) * WINDOW_MS, {
      decodeCacheBytes: 0,
    });
    const keys = ['noisy', 'flat', 'gappy'];
    const ids = await idsOf(ctx, 'o', 'h', keys);
    const n = (windows * WINDOW_MS) / 60_000;
    const series: Array<[string, Points]> = [
      ['noisy', makePoints(W0, n, 60_000, (i) => Math.sin(i / 3) * 1e4 + (i % 7) / 8)],
      ['flat', makePoints(W0, n, 60_000, () => 42)],
      // Noisy, in the first six windows only: the later windows lack its field and read the packs.
      ['gappy', makePoints(W0, 6 * 120, 60_000, (i) => Math.cos(i) * 1e3)],
    ];
    await writeHead(ctx, 'o', 'h', new Map(series.map(([k, p]) => [ids.get(k) ?? 0, p])));
    for (let w = 0; w < windows; w++) await sealWindow(ctx, 'o', 'h', W0 + w * WINDOW_MS);
    const fields = await ctx.redis.hkeys(ctx.keys.window('o', 'h', W0));
    expect(fields).toEqual(expect.arrayContaining([`m:${ids.get('noisy')}`, `M:0`]));
    expect(fields).not.toContain(`m:${ids.get('flat')}`);

    const [from, to, step] = [W0, W0 + windows * WINDOW_MS - 1, 1_800_000];
    for (const asked of [['noisy'], ['flat'], ['noisy', 'gappy'], keys]) {
      const r = await aggregate(ctx, 'o', 'h', asked, from, to, step, 'avg');
      expect(r.tiers).toEqual(['1m']);
      for (const key of asked) {
        const p = series.find(([k]) => k === key)?.[1] as Points;
        const want = direct(p, from, to, step, 'avg');
        const got = r.series.get(key);
        expect(Array.from(got?.timestamps ?? []), key).toEqual(want.t);
        for (const [i, v] of want.v.entries()) expect(got?.values[i], `${key} #${i}`).toBeCloseTo(v, 6);
      }
    }

    // The script itself: a window's pack comes back only when one of the own fields asked for is missing.
    const script = readFileSync(new URL('./lua/hmget-each.lua', import.meta.url), 'utf8');
    const ask = async (ws: number, key: string) => {
      const id = ids.get(key) ?? 0;
      const reply = (await ctx.redis.eval(
        script,
        1,
        ctx.keys.window('o', 'h', ws),
        1,
        1,
        `m:${id}`,
        'M:0',
        'M:c',
      )) as unknown[];
      // The field read always (the shared counts) is there when the window has it: not here (counts of
      // 1-minute data are one constant, so they are not shared).
      expect(reply[2]).toBeNull();
      return reply.slice(0, 2).map((v) => v !== null);
    };
    expect(await ask(W0, 'noisy')).toEqual([true, false]);
    expect(await ask(W0, 'flat')).toEqual([false, true]);
    expect(await ask(W0 + 10 * WINDOW_MS, 'gappy')).toEqual([false, true]);
  });

  it('does read the rollups of more windows than one script call takes, in parts', async () => {
    const windows = SCRIPT_WINDOWS + 40;
    const ctx = testContext(redisOf(), uniquePrefix('agg-parts'), W0 + (windows + 1) * WINDOW_MS);
    const id = (await idsOf(ctx, 'o', 'h', ['s'])).get('s') ?? 0;
    // Four samples a window, so every window has rollups and their values tell the windows apart.
    const p = makePoints(W0, 4 * windows, WINDOW_MS / 4, (i) => i);
    await writeSealed(ctx, 'o', 'h', new Map([[id, p]]), { raw: false, hour: false });
    const [from, to, step] = [W0, W0 + windows * WINDOW_MS - 1, 5_400_000];
    const r = await aggregate(ctx, 'o', 'h', ['s'], from, to, step, 'sum');
    expect(r.tiers).toEqual(['1m']);
    const want = direct(p, from, to, step, 'sum');
    expect(Array.from(r.series.get('s')?.timestamps ?? [])).toEqual(want.t);
    expect(Array.from(r.series.get('s')?.values ?? [])).toEqual(want.v);
  });

  it('does give exact nearest-rank percentiles when raw samples are there', async () => {
    const ctx = testContext(redisOf(), uniquePrefix('agg-pct'), NOW);
    const ids = await idsOf(ctx, 'o', 'h', ['s']);
    // 1..100 shuffled within one minute: p50 = 50, p95 = 95, p99 = 99 by nearest rank.
    const values = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
    const p = {
      timestamps: Float64Array.from(values, (_, i) => W0 + i * 500),
      values: Float64Array.from(values),
    };
    await writeSealed(ctx, 'o', 'h', new Map([[ids.get('s') ?? 0, p]]));
    const at = async (fn: AggregateFn) =>
      Array.from((await aggregate(ctx, 'o', 'h', ['s'], W0, W0, 60_000, fn)).series.get('s')?.values ?? []);
    expect([await at('p50'), await at('p95'), await at('p99')]).toEqual([[50], [95], [99]]);
  });

  it('does widen the range to whole buckets aligned to the step when from and to fall inside buckets', async () => {
    const ctx = await stored('sealed');
    const r = await aggregate(ctx, 'o', 'h', ['s'], W0 + 61_000, W0 + 299_000, 120_000, 'count');
    expect([r.from, r.to]).toEqual([W0, W0 + 360_000 - 1]);
    // 24 samples per 2 minutes, but the 8th of the series is NaN and is not counted.
    expect(Array.from(r.series.get('s')?.values ?? [])).toEqual([23, 24, 24]);
  });

  it('does round steps of a minute or more to whole minutes when the step is uneven', async () => {
    const ctx = await stored('sealed');
    const r = await aggregate(ctx, 'o', 'h', ['s'], W0, W0 + DAY_MS / 10, 2_592_000 / 3, 'avg');
    expect(r.stepMs).toBe(840_000);
    expect(r.tiers).toEqual(['1m']);
  });

  it('does fall back to rollup averages for percentiles when raw has expired', async () => {
    const ctx = await stored('sealed', { raw: false });
    const r = await aggregate(ctx, 'o', 'h', ['s'], W0, W0 + WINDOW_MS - 1, 600_000, 'p95');
    expect(r.tiers).toEqual(['1m']);
    expect(r.approximate).toBe(true);
    const avgs = direct(data, W0, W0 + WINDOW_MS - 1, 60_000, 'avg');
    const first = avgs.v.slice(0, 10).sort((a, b) => a - b);
    expect(r.series.get('s')?.values[0]).toBeCloseTo(first[9] ?? 0, 9);
  });

  it('does read 1-minute rollups when hourly rollups are missing for a whole-hour step', async () => {
    const ctx = await stored('sealed', { hour: false });
    await redisOf().zadd(ctx.keys.hourlyIndex('o', 'h'), W0, String(W0));
    const r = await aggregate(ctx, 'o', 'h', ['s'], W0, W0 + 2 * WINDOW_MS - 1, 3_600_000, 'count');
    expect(r.tiers).toEqual(['1m']);
    expect(Array.from(r.series.get('s')?.values ?? [])).toEqual(
      direct(data, W0, W0 + 2 * WINDOW_MS - 1, 3_600_000, 'count').v,
    );
  });

  it('does read min, max and last raw, and sum, count and avg from lean 1-minute blocks, while raw lives', async () => {
    const ctx = await stored('sealed', { hour: false });
    const to = W0 + 2 * WINDOW_MS - 1;
    for (const fn of ['min', 'max', 'last', 'sum', 'count', 'avg'] as const) {
      const r = await aggregate(ctx, 'o', 'h', ['s'], W0, to, 300_000, fn);
      expect([fn, r.tiers]).toEqual([fn, fn === 'min' || fn === 'max' || fn === 'last' ? ['raw'] : ['1m']]);
      const got = Array.from(r.series.get('s')?.values ?? []);
      const want = direct(data, W0, to, 300_000, fn).v;
      expect(got).toHaveLength(want.length);
      // Sums add per-minute sums: equal to a direct sum up to rounding.
      if (fn === 'sum' || fn === 'avg') {
        got.forEach((v, i) => {
          expect(v).toBeCloseTo(want[i] as number, 6);
        });
      } else expect([fn, got]).toEqual([fn, want]);
    }
    // The blocks really are lean: asked for max they refuse rather than answer.
    const id = (await idsOf(ctx, 'o', 'h', ['s'])).get('s') ?? 0;
    const block = await redisOf().hgetBuffer(ctx.keys.window('o', 'h', W0), `m:${id}`);
    expect(block).not.toBeNull();
    expect(() => readRollupBlock(new ByteReader(block as Buffer), W0, 60_000, 120, new Set(['max']))).toThrow(
      /not stored/,
    );
  });

  it('does read raw columns when a whole-minute step meets windows without minute rollups', async () => {
    const ctx = await stored('sealed', { minute: false, hour: false });
    const r = await aggregate(ctx, 'o', 'h', ['s'], W0, W0 + WINDOW_MS - 1, 300_000, 'min');
    expect(r.tiers).toEqual(['raw']);
    expect(Array.from(r.series.get('s')?.values ?? [])).toEqual(
      direct(data, W0, W0 + WINDOW_MS - 1, 300_000, 'min').v,
    );
  });

  it('does mark the answer approximate when the step is finer than the only tier left', async () => {
    const ctx = await stored('sealed', { raw: false });
    const r = await aggregate(ctx, 'o', 'h', ['s'], W0, W0 + 600_000 - 1, 10_000, 'max');
    expect([r.tiers, r.approximate, r.series.get('s')?.timestamps.length]).toEqual([['1m'], true, 10]);
  });

  it('does add late head samples to the rollups when the raw columns of the window have expired', async () => {
    const ctx = await stored('sealed', { raw: false });
    const id = (await idsOf(ctx, 'o', 'h', ['s'])).get('s') ?? 0;
    await writeHead(ctx, 'o', 'h', new Map([[id, makePoints(W0 + 2500, 2, 1000, () => 1000)]]));
    const r = await aggregate(ctx, 'o', 'h', ['s'], W0, W0 + WINDOW_MS - 1, WINDOW_MS, 'count');
    const max = await aggregate(ctx, 'o', 'h', ['s'], W0, W0 + WINDOW_MS - 1, WINDOW_MS, 'max');
    expect([r.tiers, r.approximate]).toEqual([['1h'], true]);
    expect(Array.from(r.series.get('s')?.values ?? [])).toEqual([
      (direct(data, W0, W0 + WINDOW_MS - 1, WINDOW_MS, 'count').v[0] ?? 0) + 2,
    ]);
    expect(Array.from(max.series.get('s')?.values ?? [])).toEqual([1000]);
  });

  it('does answer from the hot tier when it reaches back to the first bucket', async () => {
    const ctx = testContext(redisOf(), uniquePrefix('agg-hot'), NOW, { hotPoints: 100 });
    writeHot(
      ctx,
      'o',
      'h',
      's',
      makePoints(W0, 100, 1000, (i) => i),
    );
    const r = await aggregate(ctx, 'o', 'h', ['s'], W0, W0 + 99_000, 60_000, 'sum');
    expect(Array.from(r.series.get('s')?.values ?? [])).toEqual([1770, 3180]);
    const before = await aggregate(ctx, 'o', 'h', ['s'], W0 - 60_000, W0 + 99_000, 60_000, 'sum');
    expect(before.series.get('s')?.timestamps.length).toBe(0);
  });

  it('does return empty series when the series is unknown or has no data in the range', async () => {
    const ctx = await stored('sealed');
    const r = await aggregate(ctx, 'o', 'h', ['nope', 's'], W0 + 3 * WINDOW_MS, NOW, 60_000, 'avg');
    expect([...r.series].map(([k, p]) => [k, p.timestamps.length])).toEqual([
      ['nope', 0],
      ['s', 0],
    ]);
    expect(r.tiers).toEqual([]);
  });

  it('does refuse a step that would make too many buckets before it reads anything', async () => {
    // A client that never connects: any read would fail with a connection error instead.
    const offline = new Redis({ lazyConnect: true, enableOfflineQueue: false });
    const ctx = testContext(offline, uniquePrefix('agg-big'), NOW);
    const from = NOW - 20 * DAY_MS;
    await expect(aggregate(ctx, 'o', 'h', ['s'], from, NOW - 1, 1000, 'avg')).rejects.toThrow(
      new QueryRejectedError(
        'the range holds 1,728,000 buckets of 1000 ms; at most 1,000,000 per query (raise step)',
      ),
    );
    await expect(aggregate(ctx, 'o', 'h', ['s'], 0, NOW, 0, 'avg')).rejects.toThrow(RangeError);
    offline.disconnect();
  });
});
