import { describe, expect, it } from 'vitest';
import { uniquePrefix, useRedis } from '../../../test/harness/index.ts';
import { WINDOW_MS } from '../layout.ts';
import type { TsdbContext } from '../options.ts';
import type { Points } from '../points.ts';
import { aggregate } from './aggregate.ts';
import { forgetIndexes } from './guessed-read.ts';
import { range } from './range.ts';
import { idsOf, makePoints, testContext, writeHead, writeSealed } from './test-support.ts';

const W0 = Date.UTC(2025, 0, 10);
const NOW = W0 + 5 * WINDOW_MS;
const redisOf = useRedis();

/** A context whose Redis counts the pipelines it runs (one per round trip of a read). */
function counted(): { ctx: TsdbContext; trips: () => number } {
  const base = testContext(redisOf(), uniquePrefix('guess'), NOW);
  let trips = 0;
  const redis = new Proxy(base.redis, {
    get(target, prop, receiver) {
      if (prop !== 'pipeline') return Reflect.get(target, prop, receiver);
      return () => {
        const pipeline = target.pipeline();
        const exec = pipeline.exec.bind(pipeline);
        pipeline.exec = (() => {
          trips++;
          return exec();
        }) as typeof pipeline.exec;
        return pipeline;
      };
    },
  });
  return { ctx: { ...base, redis }, trips: () => trips };
}

const values = (p: Points | undefined) => Array.from(p?.values ?? []);

describe('reads in one round trip when the windows are as last read', () => {
  it('does read a range and an aggregate again in one round trip, two the first time', async () => {
    const { ctx, trips } = counted();
    const id = (await idsOf(ctx, 'o', 'h', ['a'])).get('a') ?? 0;
    await writeSealed(ctx, 'o', 'h', new Map([[id, makePoints(W0, 2 * 1440, 5000, (i) => i)]]));
    await writeHead(ctx, 'o', 'h', new Map([[id, makePoints(W0 + 2 * WINDOW_MS, 10, 5000, (i) => -i)]]));
    const read = () => range(ctx, 'o', 'h', ['a'], W0, NOW, 10_000);
    const before = trips();
    const first = await read();
    expect(trips() - before).toBe(2);
    const second = await read();
    expect(trips() - before).toBe(3);
    expect(values(second.get('a')?.points)).toEqual(values(first.get('a')?.points));
    expect(second.get('a')?.points.timestamps.length).toBe(2 * 1440 + 10);
    // The aggregate asks for the rollup indexes too: guessed from the range's read, it misses the
    // rollups once, then is read in one round trip.
    const agg = () => aggregate(ctx, 'o', 'h', ['a'], W0, NOW - 1, 60_000, 'avg');
    await agg();
    const mark = trips();
    const again = await agg();
    expect(trips() - mark).toBe(1);
    expect(again.tiers).toEqual(['raw', '1m']);
    expect(again.series.get('a')?.timestamps.length).toBe(2 * 120 + 1);
  });

  it('does give what a read without a guess gives after windows are sealed, opened, written late and expired', async () => {
    const { ctx, trips } = counted();
    const id = (await idsOf(ctx, 'o', 'h', ['a'])).get('a') ?? 0;
    const W1 = W0 + WINDOW_MS;
    const W2 = W0 + 2 * WINDOW_MS;
    await writeSealed(ctx, 'o', 'h', new Map([[id, makePoints(W0, 1440, 5000, (i) => i)]]));
    await writeHead(ctx, 'o', 'h', new Map([[id, makePoints(W1, 100, 5000, (i) => 1000 + i)]]));
    const read = () => range(ctx, 'o', 'h', ['a'], W0, NOW, 10_000);
    const agg = () => aggregate(ctx, 'o', 'h', ['a'], W0, NOW - 1, 60_000, 'max');
    await read();
    await agg();
    const { keys, redis } = ctx;
    // W1's head is sealed; W2 gets a head; W0 gets a late sample (a head on a sealed window).
    await redis.del(keys.head('o', 'h', W1));
    await redis.zrem(keys.heads('o', 'h'), String(W1));
    await writeSealed(ctx, 'o', 'h', new Map([[id, makePoints(W1, 100, 5000, (i) => 1000 + i)]]));
    await writeHead(ctx, 'o', 'h', new Map([[id, makePoints(W2, 5, 5000, (i) => 2000 + i)]]));
    await writeHead(ctx, 'o', 'h', new Map([[id, makePoints(W0 + 5000, 1, 5000, () => 9999)]]));
    const before = trips();
    const guessed = await read();
    expect(trips() - before).toBe(2);
    const guessedAgg = await agg();
    forgetIndexes(ctx);
    const fresh = await read();
    forgetIndexes(ctx);
    const freshAgg = await agg();
    expect(values(guessed.get('a')?.points)).toEqual(values(fresh.get('a')?.points));
    expect(values(guessed.get('a')?.points)).toContain(9999);
    expect(values(guessed.get('a')?.points)).toContain(2004);
    expect(guessed.get('a')?.points.timestamps.length).toBe(1440 + 100 + 5);
    expect(values(guessedAgg.series.get('a'))).toEqual(values(freshAgg.series.get('a')));
    // Raw retention writes W0's 1-minute blocks whole and takes it out of the raw index: its raw fields,
    // still there, are not read back.
    await writeSealed(ctx, 'o', 'h', new Map([[id, makePoints(W0, 1440, 5000, (i) => i)]]), { raw: false });
    await redis.zrem(keys.windowIndex('o', 'h', 'raw'), String(W0));
    await redis.del(keys.head('o', 'h', W0));
    await redis.zrem(keys.heads('o', 'h'), String(W0));
    const expired = await read();
    expect(expired.get('a')?.points.timestamps.length).toBe(100 + 5);
    const expiredAgg = await agg();
    forgetIndexes(ctx);
    expect(values(expiredAgg.series.get('a'))).toEqual(values((await agg()).series.get('a')));
    expect(expiredAgg.tiers).toContain('1m');
  });

  it('does plan again when the windows or the query change, over windows whose indexes one script reads', async () => {
    // 20 windows: from MANY_WINDOWS on the indexes come back as one joined string each.
    const ctx = testContext(redisOf(), uniquePrefix('guess'), W0 + 30 * WINDOW_MS);
    const id = (await idsOf(ctx, 'o', 'h', ['a'])).get('a') ?? 0;
    const W20 = W0 + 20 * WINDOW_MS;
    const W21 = W0 + 21 * WINDOW_MS;
    await writeSealed(ctx, 'o', 'h', new Map([[id, makePoints(W0, 20 * 120, 60_000, (i) => i % 97)]]));
    await writeHead(ctx, 'o', 'h', new Map([[id, makePoints(W20, 30, 60_000, (i) => 500 + i)]]));
    const agg = (fn: 'avg' | 'max') =>
      aggregate(ctx, 'o', 'h', ['a'], W0, W0 + 25 * WINDOW_MS - 1, 3 * 60_000, fn);
    const fresh = async (fn: 'avg' | 'max') => {
      forgetIndexes(ctx);
      return agg(fn);
    };
    // Asked again with the windows unchanged, and then for another function over the same windows:
    // each answers from its own tiers (max reads raw where the 1-minute blocks are lean).
    const first = await agg('avg');
    const again = await agg('avg');
    const max = await agg('max');
    const avg = await agg('avg');
    expect(first.tiers).toEqual(['raw', '1m']);
    expect(max.tiers).toEqual(['raw']);
    for (const answer of [again, avg]) {
      expect(answer.tiers).toEqual(first.tiers);
      expect(values(answer.series.get('a'))).toEqual(values(first.series.get('a')));
    }
    expect(values(max.series.get('a'))).toEqual(values((await fresh('max')).series.get('a')));
    // W20's head is sealed and W21 gets one: the same query, indexes read as before, sees both.
    await agg('avg');
    await ctx.redis.del(ctx.keys.head('o', 'h', W20));
    await ctx.redis.zrem(ctx.keys.heads('o', 'h'), String(W20));
    await writeSealed(ctx, 'o', 'h', new Map([[id, makePoints(W20, 30, 60_000, (i) => 500 + i)]]));
    await writeHead(ctx, 'o', 'h', new Map([[id, makePoints(W21, 3, 60_000, () => 7777)]]));
    const changed = await agg('avg');
    expect(values(changed.series.get('a'))).toContain(7777);
    expect(values(changed.series.get('a'))).toEqual(values((await fresh('avg')).series.get('a')));
    expect(changed.series.get('a')?.timestamps.length).toBe(20 * 40 + 10 + 1);
  });
});
