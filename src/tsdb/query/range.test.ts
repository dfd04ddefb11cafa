import { describe, expect, it } from 'vitest';
import { uniquePrefix, useRedis } from '../../../test/harness/index.ts';
import { WINDOW_MS } from '../layout.ts';
import type { Points } from '../points.ts';
import { range, rangeMany } from './range.ts';
import { idsOf, makePoints, testContext, writeHead, writeHot, writeSealed } from './test-support.ts';

const W0 = Date.UTC(2025, 0, 10);
const NOW = W0 + 3 * WINDOW_MS;
const redisOf = useRedis();

const ts = (p: Points | undefined) => Array.from(p?.timestamps ?? [], (t) => (t - W0) / 1000);
const ctxOf = () => testContext(redisOf(), uniquePrefix('range'), NOW);

describe('range', () => {
  it('does return the points within [from, to] inclusive over sealed windows and a head', async () => {
    const ctx = ctxOf();
    const ids = await idsOf(ctx, 'o', 'h', ['a']);
    const id = ids.get('a') ?? 0;
    await writeSealed(ctx, 'o', 'h', new Map([[id, makePoints(W0, 1440, 5000, (i) => i)]]));
    await writeHead(ctx, 'o', 'h', new Map([[id, makePoints(W0 + WINDOW_MS, 10, 5000, (i) => 1440 + i)]]));
    const got = (
      await range(ctx, 'o', 'h', ['a'], W0 + WINDOW_MS - 10_000, W0 + WINDOW_MS + 10_000, 100)
    ).get('a');
    expect(ts(got?.points)).toEqual([7190, 7195, 7200, 7205, 7210]);
    expect(Array.from(got?.points.values ?? [])).toEqual([1438, 1439, 1440, 1441, 1442]);
    expect(got?.truncated).toBe(false);
  });

  it('does cut to the oldest `limit` points and say so when the range holds more', async () => {
    const ctx = ctxOf();
    const ids = await idsOf(ctx, 'o', 'h', ['a']);
    await writeHead(ctx, 'o', 'h', new Map([[ids.get('a') ?? 0, makePoints(W0, 100, 1000, (i) => i)]]));
    const got = (await range(ctx, 'o', 'h', ['a'], W0, NOW, 3)).get('a');
    expect([ts(got?.points), got?.truncated]).toEqual([[0, 1, 2], true]);
    const exact = (await range(ctx, 'o', 'h', ['a'], W0, NOW, 100)).get('a');
    expect([exact?.points.timestamps.length, exact?.truncated]).toEqual([100, false]);
  });

  it('does answer from the hot tier when it reaches back to from, and from Redis when it does not', async () => {
    const ctx = ctxOf();
    const ids = await idsOf(ctx, 'o', 'h', ['a']);
    const all = makePoints(W0, 100, 1000, (i) => i);
    await writeHead(ctx, 'o', 'h', new Map([[ids.get('a') ?? 0, all]]));
    // The hot tier holds only the newest 50, with other values so the source shows.
    writeHot(
      ctx,
      'o',
      'h',
      'a',
      makePoints(W0 + 50_000, 50, 1000, () => -1),
    );
    const hot = (await range(ctx, 'o', 'h', ['a'], W0 + 60_000, NOW, 1000)).get('a');
    expect(new Set(hot?.points.values)).toEqual(new Set([-1]));
    const cold = (await range(ctx, 'o', 'h', ['a'], W0 + 10_000, NOW, 1000)).get('a');
    expect(Array.from(cold?.points.values ?? [])).toEqual(Array.from(all.values).slice(10));
  });

  it('does return empty points when the series is unknown', async () => {
    const ctx = ctxOf();
    const got = await range(ctx, 'o', 'h', ['nope'], W0, NOW, 10);
    expect([ts(got.get('nope')?.points), got.get('nope')?.truncated]).toEqual([[], false]);
  });

  it('does read series of several hosts when given selectors', async () => {
    const ctx = ctxOf();
    const parts: Points[] = [];
    for (const host of ['x', 'y']) {
      const ids = await idsOf(ctx, 'o', host, ['a', 'b']);
      const p = makePoints(W0, 5, 1000, (i) => i + (host === 'x' ? 0 : 100));
      parts.push(p);
      await writeHead(ctx, 'o', host, new Map([[ids.get('b') ?? 0, p]]));
    }
    const got = await rangeMany(
      ctx,
      'o',
      [
        { host: 'x', seriesKeys: ['b'] },
        { host: 'y', seriesKeys: ['a', 'b'] },
      ],
      W0,
      NOW,
      10,
    );
    expect(Array.from(got.get('x')?.get('b')?.points.values ?? [])).toEqual(
      Array.from(parts[0]?.values ?? []),
    );
    expect(Array.from(got.get('y')?.get('b')?.points.values ?? [])).toEqual(
      Array.from(parts[1]?.values ?? []),
    );
    expect(got.get('y')?.get('a')?.points.timestamps.length).toBe(0);
  });
});
