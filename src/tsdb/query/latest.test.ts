import { describe, expect, it } from 'vitest';
import { uniquePrefix, useRedis } from '../../../test/harness/index.ts';
import { WINDOW_MS } from '../layout.ts';
import { latest, latestMany } from './latest.ts';
import { idsOf, makePoints, testContext, writeHot, writeLatest } from './test-support.ts';

const W0 = Date.UTC(2025, 0, 10);
const NOW = W0 + WINDOW_MS;
const redisOf = useRedis();

const ctxOf = () => testContext(redisOf(), uniquePrefix('latest'), NOW);

describe('latest', () => {
  it('does answer from the hot tier when it holds the series', async () => {
    const ctx = ctxOf();
    writeHot(
      ctx,
      'o',
      'h',
      'cpu',
      makePoints(W0, 10, 5000, (i) => i),
    );
    expect(await latest(ctx, 'o', 'h', ['cpu'])).toEqual(
      new Map([['cpu', { timestamp: W0 + 45_000, value: 9 }]]),
    );
  });

  it('does read the latest HASH when the hot tier lacks the series', async () => {
    const ctx = ctxOf();
    const ids = await idsOf(ctx, 'o', 'h', ['cpu', 'mem']);
    await writeLatest(ctx, 'o', 'h', ids.get('mem') ?? 0, W0 + 5, 0.25);
    writeHot(
      ctx,
      'o',
      'h',
      'cpu',
      makePoints(W0, 1, 5000, () => 3),
    );
    const got = await latest(ctx, 'o', 'h', ['cpu', 'mem', 'unknown']);
    expect(got).toEqual(
      new Map([
        ['cpu', { timestamp: W0, value: 3 }],
        ['mem', { timestamp: W0 + 5, value: 0.25 }],
      ]),
    );
  });

  it('does return every series of the host from Redis when no keys are given and the hot tier lacks the host', async () => {
    const ctx = ctxOf();
    const ids = await idsOf(ctx, 'o', 'h', ['cpu', 'disk{mount="/"}']);
    await writeLatest(ctx, 'o', 'h', ids.get('cpu') ?? 0, W0, 1);
    await writeLatest(ctx, 'o', 'h', ids.get('disk{mount="/"}') ?? 0, W0 + 1, Number.NaN);
    const got = await latest(ctx, 'o', 'h');
    expect(got.get('cpu')).toEqual({ timestamp: W0, value: 1 });
    expect(got.get('disk{mount="/"}')?.value).toBeNaN();
  });

  it('does return nothing when the host or series is unknown', async () => {
    const ctx = ctxOf();
    expect((await latest(ctx, 'o', 'nobody')).size).toBe(0);
    expect((await latest(ctx, 'o', 'nobody', ['cpu'])).size).toBe(0);
  });
});

describe('latestMany', () => {
  it('does combine hosts from the hot tier and from Redis when only some are held', async () => {
    const ctx = ctxOf();
    writeHot(
      ctx,
      'o',
      'hot1',
      'cpu',
      makePoints(W0, 3, 5000, (i) => i),
    );
    const ids = await idsOf(ctx, 'o', 'cold1', ['cpu']);
    await writeLatest(ctx, 'o', 'cold1', ids.get('cpu') ?? 0, W0 + 7, 42);
    const got = await latestMany(ctx, 'o', ['hot1', 'cold1', 'none']);
    expect(got).toEqual(
      new Map([
        ['hot1', new Map([['cpu', { timestamp: W0 + 10_000, value: 2 }]])],
        ['cold1', new Map([['cpu', { timestamp: W0 + 7, value: 42 }]])],
        ['none', new Map()],
      ]),
    );
  });

  it('does answer many hosts from Redis in one round trip when the hot tier is empty', async () => {
    const ctx = ctxOf();
    const hosts = Array.from({ length: 50 }, (_, i) => `h${i}`);
    for (const [i, host] of hosts.entries()) {
      const ids = await idsOf(ctx, 'o', host, ['cpu']);
      await writeLatest(ctx, 'o', host, ids.get('cpu') ?? 0, W0, i);
    }
    // A fresh process has no series ids cached: it reads each host's series registry once, then never again.
    await latestMany(ctxOf(), 'o', hosts);
    const before = Number((await redisOf().info('stats')).match(/total_commands_processed:(\d+)/)?.[1]);
    const got = await latestMany(ctx, 'o', hosts);
    const after = Number((await redisOf().info('stats')).match(/total_commands_processed:(\d+)/)?.[1]);
    expect(hosts.map((h) => got.get(h)?.get('cpu')?.value)).toEqual(hosts.map((_, i) => i));
    // One command per host (ids were cached when they were allocated) plus the INFO itself.
    expect(after - before).toBe(hosts.length + 1);
  });
});
