import { describe, expect, it } from 'vitest';
import { dayStart, WINDOW_MS } from '../layout.ts';
import { SealCorruptError } from './errors.ts';
import {
  appendRecord,
  appendSamples,
  asPairs,
  byTime,
  expectedPoints,
  HOST,
  headRecord,
  ORG,
  readWindow,
  series,
  T0,
  testContext,
  useRedis,
} from './test-support.ts';
import { sealWindow } from './window.ts';

const redis = useRedis();

/** Three series of one host over the T0 window: a 5 s cadence with odd values, a gappy one, a counter. */
function windowSamples() {
  const odd = [Number.NaN, -0, 0, Number.POSITIVE_INFINITY, -1e308, 5e-324, 0.1 + 0.2];
  return byTime(
    series(1, T0, 1440, 5000, (i) => odd[i % odd.length] ?? i),
    series(2, T0 + 2500, 200, 30_000, (i) => Math.sin(i) * 100),
    series(3, T0, 720, 10_000, (i) => i * 4096),
  );
}

describe('sealWindow', () => {
  it('does decode back to exactly the head points when a window is sealed, and removes the head', async () => {
    const ctx = testContext(redis());
    const samples = windowSamples();
    await appendSamples(ctx, samples);
    const result = await sealWindow(ctx, ORG, HOST, T0);
    expect(result).toMatchObject({ sealed: true, series: 3, samples: samples.length, attempts: 1 });
    expect(asPairs(await readWindow(ctx, T0))).toEqual(expectedPoints(samples));
    const { keys } = ctx;
    expect(await ctx.redis.exists(keys.head(ORG, HOST, T0))).toBe(0);
    expect(await ctx.redis.zcard(keys.heads(ORG, HOST))).toBe(0);
    expect(await ctx.redis.zrange(keys.windowIndex(ORG, HOST, 'raw'), 0, -1)).toEqual([String(T0)]);
    expect(await ctx.redis.zrange(keys.windowIndex(ORG, HOST, '1m'), 0, -1)).toEqual([String(T0)]);
    expect(await ctx.redis.zrange(keys.hourlyIndex(ORG, HOST), 0, -1)).toEqual([String(dayStart(T0))]);
    expect(await ctx.redis.hkeys(keys.hourly(ORG, HOST, dayStart(T0)))).toEqual([String(T0)]);
  });

  it('does write every window index member as its own score, which reads take as the start', async () => {
    const ctx = testContext(redis());
    await appendSamples(ctx, windowSamples());
    // A head of the next window stays open: the heads index has a member too.
    await appendSamples(
      ctx,
      series(1, T0 + WINDOW_MS, 3, 5000, (i) => i),
    );
    await sealWindow(ctx, ORG, HOST, T0);
    const { keys } = ctx;
    const indexes = [
      keys.windowIndex(ORG, HOST, 'raw'),
      keys.windowIndex(ORG, HOST, '1m'),
      keys.hourlyIndex(ORG, HOST),
      keys.heads(ORG, HOST),
    ];
    for (const index of indexes) {
      const flat = await ctx.redis.zrange(index, 0, -1, 'WITHSCORES');
      expect(flat.length, index).toBe(2);
      expect(flat[0], index).toBe(String(Number(flat[1])));
    }
  });

  it('does keep the last written value when a head repeats a series and timestamp', async () => {
    const ctx = testContext(redis());
    const first = series(1, T0, 100, 1000, (i) => i);
    const rewrite = series(1, T0 + 50_000, 10, 1000, (i) => -i);
    await appendSamples(ctx, first);
    await appendSamples(ctx, rewrite);
    await sealWindow(ctx, ORG, HOST, T0);
    expect(asPairs(await readWindow(ctx, T0))).toEqual(expectedPoints([...first, ...rewrite]));
  });

  it('does merge late samples into the sealed window when a new head arrives for it', async () => {
    const ctx = testContext(redis());
    const early = windowSamples();
    await appendSamples(ctx, early);
    await sealWindow(ctx, ORG, HOST, T0);
    // Late: new values for existing timestamps (they must win), new timestamps, and a new series.
    const late = byTime(
      series(1, T0 + 100_000, 20, 5000, (i) => 1000 + i),
      series(2, T0 + 1000, 5, 7000, (i) => 7 * i),
      series(9, T0 + WINDOW_MS - 60_000, 12, 5000, () => 42),
    );
    await appendSamples(ctx, late);
    const result = await sealWindow(ctx, ORG, HOST, T0);
    expect(result).toMatchObject({ sealed: true, series: 4, headSamples: late.length });
    expect(asPairs(await readWindow(ctx, T0))).toEqual(expectedPoints([...early, ...late]));
    expect(await ctx.redis.exists(ctx.keys.head(ORG, HOST, T0))).toBe(0);
  });

  it('does leave no duplicate when a record is appended twice', async () => {
    const ctx = testContext(redis());
    const samples = windowSamples();
    const record = headRecord(samples);
    await appendRecord(ctx, T0, record);
    await appendRecord(ctx, T0, record);
    const result = await sealWindow(ctx, ORG, HOST, T0);
    expect(result).toMatchObject({ samples: samples.length, headSamples: 2 * samples.length });
    expect(asPairs(await readWindow(ctx, T0))).toEqual(expectedPoints(samples));
  });

  it('does retry and include the new samples when a writer appends between read and commit', async () => {
    const ctx = testContext(redis());
    const before = series(1, T0, 300, 5000, (i) => i);
    const during = series(1, T0 + 1_500_000, 30, 5000, (i) => -i);
    await appendSamples(ctx, before);
    const attemptsSeen: number[] = [];
    const result = await sealWindow(ctx, ORG, HOST, T0, {
      beforeCommit: async (attempt) => {
        attemptsSeen.push(attempt);
        if (attempt === 1) await appendSamples(ctx, during);
      },
    });
    expect(attemptsSeen).toEqual([1, 2]);
    expect(result).toMatchObject({ sealed: true, attempts: 2 });
    expect(asPairs(await readWindow(ctx, T0))).toEqual(expectedPoints([...before, ...during]));
  });

  it('does only unlist the window when its head is absent', async () => {
    const ctx = testContext(redis());
    await ctx.redis.zadd(ctx.keys.heads(ORG, HOST), T0, String(T0));
    const result = await sealWindow(ctx, ORG, HOST, T0);
    expect(result).toMatchObject({ sealed: false, samples: 0, discarded: 0 });
    expect(await ctx.redis.zcard(ctx.keys.heads(ORG, HOST))).toBe(0);
    expect(await ctx.redis.exists(ctx.keys.window(ORG, HOST, T0))).toBe(0);
  });

  it('does throw a non-retryable SealCorruptError and keep the head when the head is malformed', async () => {
    const ctx = testContext(redis());
    await appendRecord(ctx, T0, Buffer.from('not a head record'));
    const error = await sealWindow(ctx, ORG, HOST, T0).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SealCorruptError);
    expect(error).toMatchObject({ retryable: false, key: ctx.keys.head(ORG, HOST, T0) });
    expect(await ctx.redis.exists(ctx.keys.head(ORG, HOST, T0))).toBe(1);
  });

  it('does leave samples outside the window out when a head holds a stray one', async () => {
    const ctx = testContext(redis());
    const inside = series(1, T0, 10, 1000, (i) => i);
    await appendRecord(ctx, T0, headRecord([...inside, { id: 1, t: T0 + WINDOW_MS, v: 99 }]));
    await sealWindow(ctx, ORG, HOST, T0);
    expect(asPairs(await readWindow(ctx, T0))).toEqual(expectedPoints(inside));
  });

  it('does seal every series when a host has thousands of them', async () => {
    const ctx = testContext(redis());
    // 5,000 series → 10,001 window fields of their own beside the packs of their tails: more arguments
    // than Lua's unpack() takes at once. Noisy values, so no column is small enough for a pack whole.
    const many = byTime(
      ...Array.from({ length: 5000 }, (_, id) =>
        series(id + 1, T0, 24, 60_000, (i) => Math.sin(id * 24 + i) * 1e6),
      ),
    );
    await appendSamples(ctx, many);
    expect(await sealWindow(ctx, ORG, HOST, T0)).toMatchObject({ sealed: true, series: 5000 });
    const fields = await ctx.redis.hkeys(ctx.keys.window(ORG, HOST, T0));
    expect(fields.filter((f) => f === 't' || /^[rm]:/.test(f))).toHaveLength(10_001);
    expect(asPairs(await readWindow(ctx, T0))).toEqual(expectedPoints(many));
  });
});
