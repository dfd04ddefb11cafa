import { describe, expect, it } from 'vitest';
import { uniquePrefix, useRedis } from '../../../test/harness/index.ts';
import { DAY_MS, WINDOW_MS } from '../layout.ts';
import { slicePoints } from '../points.ts';
import { reloadHotTier } from './reload.ts';
import { idsOf, makePoints, testContext, writeHead, writeSealed } from './test-support.ts';

const W0 = Date.UTC(2025, 0, 10);
const NOW = W0 + 3 * WINDOW_MS;
const redisOf = useRedis();

describe('reloadHotTier', () => {
  it('does fill the hot tier with the newest points of recently written hosts', async () => {
    const prefix = uniquePrefix('reload');
    const writer = testContext(redisOf(), prefix, NOW);
    const ids = await idsOf(writer, 'o', 'h', ['a', 'b']);
    const a = makePoints(W0, 2 * 1440 + 100, 5000, (i) => i);
    // Two sealed windows and 100 points in the head of the third: 150 points need all three.
    await writeSealed(
      writer,
      'o',
      'h',
      new Map([[ids.get('a') ?? 0, slicePoints(a, W0, W0 + 2 * WINDOW_MS - 1)]]),
    );
    await writeHead(
      writer,
      'o',
      'h',
      new Map([[ids.get('a') ?? 0, slicePoints(a, W0 + 2 * WINDOW_MS, NOW)]]),
    );
    await writeHead(
      writer,
      'o',
      'h',
      new Map([[ids.get('b') ?? 0, makePoints(W0 + 2 * WINDOW_MS, 5, 1000, () => 7)]]),
    );
    const ctx = testContext(redisOf(), prefix, NOW, { hotPoints: 150 });
    const result = await reloadHotTier(ctx);
    expect(result).toEqual({ hosts: 1, series: 2, points: 155, full: false });
    const held = ctx.hot.points('o', 'h', 'a');
    expect(Array.from(held?.values ?? [])).toEqual(Array.from(a.values).slice(-150));
    expect(ctx.hot.newest('o', 'h', 'b')).toEqual({ timestamp: W0 + 2 * WINDOW_MS + 4000, value: 7 });
  });

  it('does skip hosts and points older than the reload period', async () => {
    const prefix = uniquePrefix('reload-old');
    // The host's last write is at W0 + 5 s, its points from W0 to W0 + 4 s.
    const writer = testContext(redisOf(), prefix, W0 + 5000);
    const ids = await idsOf(writer, 'o', 'old', ['a']);
    await writeHead(writer, 'o', 'old', new Map([[ids.get('a') ?? 0, makePoints(W0, 5, 1000, () => 1)]]));
    const ctx = testContext(redisOf(), prefix, W0 + 2 * DAY_MS);
    expect(await reloadHotTier(ctx)).toEqual({ hosts: 0, series: 0, points: 0, full: false });
    const since = await reloadHotTier(ctx, { sinceMs: W0 + 2000 });
    expect([since.series, since.points]).toEqual([1, 3]);
  });

  it('does stop taking series when hotMaxSeries is reached', async () => {
    const prefix = uniquePrefix('reload-max');
    const writer = testContext(redisOf(), prefix, NOW);
    for (const host of ['h1', 'h2', 'h3']) {
      const ids = await idsOf(writer, 'o', host, ['a', 'b']);
      await writeHead(
        writer,
        'o',
        host,
        new Map([...ids.values()].map((id) => [id, makePoints(W0, 3, 1000, () => id)])),
      );
    }
    const ctx = testContext(redisOf(), prefix, NOW, { hotMaxSeries: 3 });
    const result = await reloadHotTier(ctx);
    expect([result.series, result.full, ctx.hot.seriesCount]).toEqual([3, true, 3]);
  });
});
