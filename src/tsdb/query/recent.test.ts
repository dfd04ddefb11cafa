import { describe, expect, it } from 'vitest';
import { uniquePrefix, useRedis } from '../../../test/harness/index.ts';
import { WINDOW_MS } from '../layout.ts';
import type { Points } from '../points.ts';
import { recent, recentMany } from './recent.ts';
import { idsOf, makePoints, testContext, writeHead, writeHot, writeSealed } from './test-support.ts';

const W0 = Date.UTC(2025, 0, 10);
const NOW = W0 + 20 * WINDOW_MS;
const redisOf = useRedis();

const vals = (p: Points | undefined) => Array.from(p?.values ?? []);
const ctxOf = () => testContext(redisOf(), uniquePrefix('recent'), NOW, { hotPoints: 10 });

describe('recent', () => {
  it('does answer from the hot tier when it holds at least n points', async () => {
    const ctx = ctxOf();
    writeHot(
      ctx,
      'o',
      'h',
      'a',
      makePoints(W0, 10, 1000, (i) => i),
    );
    expect(vals((await recent(ctx, 'o', 'h', ['a'], 4)).get('a'))).toEqual([6, 7, 8, 9]);
  });

  it('does read back sealed windows and the head newest first when the hot tier holds fewer than n', async () => {
    const ctx = ctxOf();
    const ids = await idsOf(ctx, 'o', 'h', ['a']);
    const id = ids.get('a') ?? 0;
    // Sparse: 3 points per window over 12 windows, the newest window unsealed.
    const all = makePoints(W0, 36, WINDOW_MS / 3, (i) => i);
    await writeSealed(
      ctx,
      'o',
      'h',
      new Map([[id, { timestamps: all.timestamps.subarray(0, 33), values: all.values.subarray(0, 33) }]]),
    );
    await writeHead(
      ctx,
      'o',
      'h',
      new Map([[id, { timestamps: all.timestamps.subarray(33), values: all.values.subarray(33) }]]),
    );
    writeHot(ctx, 'o', 'h', 'a', {
      timestamps: all.timestamps.subarray(30),
      values: all.values.subarray(30),
    });
    expect(vals((await recent(ctx, 'o', 'h', ['a'], 20)).get('a'))).toEqual(
      Array.from({ length: 20 }, (_, i) => 16 + i),
    );
    expect(vals((await recent(ctx, 'o', 'h', ['a'], 1000)).get('a'))).toHaveLength(36);
  });

  it('does let late head samples win when reading back a sealed window', async () => {
    const ctx = ctxOf();
    const ids = await idsOf(ctx, 'o', 'h', ['a']);
    const id = ids.get('a') ?? 0;
    await writeSealed(ctx, 'o', 'h', new Map([[id, makePoints(W0, 5, 1000, () => 1)]]));
    await writeHead(ctx, 'o', 'h', new Map([[id, makePoints(W0 + 4000, 1, 1000, () => 2)]]));
    expect(vals((await recent(ctx, 'o', 'h', ['a'], 2)).get('a'))).toEqual([1, 2]);
  });

  it('does return empty points when the series is unknown or n is 0', async () => {
    const ctx = ctxOf();
    const got = await recent(ctx, 'o', 'h', ['nope'], 5);
    expect(vals(got.get('nope'))).toEqual([]);
    writeHot(
      ctx,
      'o',
      'h',
      'a',
      makePoints(W0, 3, 1000, (i) => i),
    );
    expect(vals((await recent(ctx, 'o', 'h', ['a'], 0)).get('a'))).toEqual([]);
  });

  it('does read series of several hosts when given selectors', async () => {
    const ctx = ctxOf();
    for (const host of ['x', 'y']) {
      const ids = await idsOf(ctx, 'o', host, ['a']);
      await writeHead(
        ctx,
        'o',
        host,
        new Map([[ids.get('a') ?? 0, makePoints(W0, 3, 1000, () => (host === 'x' ? 1 : 2))]]),
      );
    }
    const got = await recentMany(
      ctx,
      'o',
      [
        { host: 'x', seriesKeys: ['a'] },
        { host: 'y', seriesKeys: ['a'] },
      ],
      2,
    );
    expect([vals(got.get('x')?.get('a')), vals(got.get('y')?.get('a'))]).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });
});
