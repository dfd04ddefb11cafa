import { describe, expect, it } from 'vitest';
import { uniquePrefix, useRedis } from '../../../test/harness/index.ts';
import { WINDOW_MS } from '../layout.ts';
import { concatPoints, type Points } from '../points.ts';
import { readRaw } from './read-raw.ts';
import { makePoints, testContext, writeHead, writeSealed } from './test-support.ts';

const W0 = Date.UTC(2025, 0, 10);
const NOW = W0 + 10 * WINDOW_MS;
const redisOf = useRedis();

const list = (p: Points | undefined) => ({
  t: Array.from(p?.timestamps ?? []),
  v: Array.from(p?.values ?? []),
});
const ctxOf = () => testContext(redisOf(), uniquePrefix('read-raw'), NOW);

describe('readRaw', () => {
  it('does read a head when the window is not sealed', async () => {
    const ctx = ctxOf();
    const p = makePoints(W0, 100, 5000, (i) => i * 1.5);
    await writeHead(ctx, 'o', 'h', new Map([[1, p]]));
    const got = await readRaw(ctx, 'o', 'h', [1], W0, W0 + WINDOW_MS);
    expect(list(got.get(1))).toEqual(list(p));
  });

  it('does read sealed windows when only sealed data exists', async () => {
    const ctx = ctxOf();
    const p = makePoints(W0, 3 * 1440, 5000, (i) => Math.sin(i));
    const q = makePoints(W0 + 2500, 3 * 1440, 5000, (i) => i);
    await writeSealed(
      ctx,
      'o',
      'h',
      new Map([
        [1, p],
        [2, q],
      ]),
    );
    const got = await readRaw(ctx, 'o', 'h', [1, 2], W0, W0 + 3 * WINDOW_MS);
    expect(list(got.get(1))).toEqual(list(p));
    expect(list(got.get(2))).toEqual(list(q));
  });

  it('does let head samples win over sealed ones when late samples land in a sealed window', async () => {
    const ctx = ctxOf();
    await writeSealed(ctx, 'o', 'h', new Map([[1, makePoints(W0, 10, 10_000, () => 1)]]));
    // Late: one replaces t=W0+20s, one fills a gap at W0+25s, one extends past the sealed points.
    const late: Points = {
      timestamps: Float64Array.of(W0 + 20_000, W0 + 25_000, W0 + 200_000),
      values: Float64Array.of(7, 8, 9),
    };
    await writeHead(ctx, 'o', 'h', new Map([[1, late]]));
    const got = list((await readRaw(ctx, 'o', 'h', [1], W0, NOW)).get(1));
    expect(got.t.map((t) => (t - W0) / 1000)).toEqual([0, 10, 20, 25, 30, 40, 50, 60, 70, 80, 90, 200]);
    expect(got.v).toEqual([1, 1, 7, 8, 1, 1, 1, 1, 1, 1, 1, 9]);
  });

  it('does concatenate sealed windows and a head window in time order when both exist', async () => {
    const ctx = ctxOf();
    const sealed = makePoints(W0, 2 * 1440, 5000, (i) => i);
    const head = makePoints(W0 + 2 * WINDOW_MS, 50, 5000, (i) => -i);
    await writeSealed(ctx, 'o', 'h', new Map([[1, sealed]]));
    await writeHead(ctx, 'o', 'h', new Map([[1, head]]));
    const got = await readRaw(ctx, 'o', 'h', [1], W0, NOW);
    expect(list(got.get(1))).toEqual(list(concatPoints([sealed, head])));
  });

  it('does include points exactly on from and to when both fall on window edges', async () => {
    const ctx = ctxOf();
    const p = makePoints(W0, 3 * 1440 + 1, 5000, (i) => i);
    await writeSealed(ctx, 'o', 'h', new Map([[1, makePoints(W0, 2 * 1440, 5000, (i) => i)]]));
    await writeHead(
      ctx,
      'o',
      'h',
      new Map([[1, makePoints(W0 + 2 * WINDOW_MS, 1441, 5000, (i) => 2 * 1440 + i)]]),
    );
    const got = list((await readRaw(ctx, 'o', 'h', [1], W0 + WINDOW_MS, W0 + 3 * WINDOW_MS)).get(1));
    expect(got.t[0]).toBe(W0 + WINDOW_MS);
    expect(got.t.at(-1)).toBe(W0 + 3 * WINDOW_MS);
    expect(got.t).toHaveLength(2 * 1440 + 1);
    expect(got.v).toEqual(Array.from(p.values).slice(1440));
    const edge = list((await readRaw(ctx, 'o', 'h', [1], W0 + WINDOW_MS - 5000, W0 + WINDOW_MS)).get(1));
    expect(edge.t).toEqual([W0 + WINDOW_MS - 5000, W0 + WINDOW_MS]);
  });

  it('does return empty points when a series has no data in the range', async () => {
    const ctx = ctxOf();
    await writeSealed(ctx, 'o', 'h', new Map([[1, makePoints(W0, 10, 5000, (i) => i)]]));
    const got = await readRaw(ctx, 'o', 'h', [1, 99], W0 + WINDOW_MS, NOW);
    expect(list(got.get(1)).t).toEqual([]);
    expect(list(got.get(99)).t).toEqual([]);
  });

  it('does keep one sample per timestamp when a head record was appended twice', async () => {
    const ctx = ctxOf();
    const p = makePoints(W0, 20, 5000, (i) => i);
    await writeHead(ctx, 'o', 'h', new Map([[1, p]]));
    await writeHead(ctx, 'o', 'h', new Map([[1, p]]));
    expect(list((await readRaw(ctx, 'o', 'h', [1], W0, NOW)).get(1))).toEqual(list(p));
  });
});
