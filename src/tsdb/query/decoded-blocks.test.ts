import { describe, expect, it } from 'vitest';
import { uniquePrefix, useRedis } from '../../../test/harness/index.ts';
import { WINDOW_MS } from '../layout.ts';
import type { TsdbContext } from '../options.ts';
import type { Points } from '../points.ts';
import { sealWindow } from '../seal/window.ts';
import type { Rollup } from '../window-format.ts';
import { aggregate } from './aggregate.ts';
import { DecodedBlocks } from './decoded-blocks.ts';
import type { RollupColumn } from './rollup-columns.ts';
import { idsOf, makePoints, testContext, writeHead } from './test-support.ts';
import { AGGREGATE_FNS } from './types.ts';

const W0 = Date.UTC(2025, 0, 10);
const NOW = W0 + 3 * WINDOW_MS + 600_000;
const redisOf = useRedis();
const SUM_COUNT: ReadonlySet<RollupColumn> = new Set(['sum', 'count']);

function rollupOf(n: number, fill: number): Rollup {
  const col = () => new Float64Array(n).fill(fill);
  return {
    starts: Float64Array.from({ length: n }, (_, i) => W0 + i * 60_000),
    min: col(),
    max: col(),
    sum: col(),
    count: col(),
    last: col(),
  };
}

const bytes = (...b: number[]) => Buffer.from(b);

describe('DecodedBlocks', () => {
  const HOST = 'p\u0000o\u0000h';

  it('does answer only for the very bytes an entry was decoded from', () => {
    const blocks = new DecodedBlocks(1 << 20);
    const scope = blocks.scope(HOST, SUM_COUNT);
    const kept = scope.put(W0, 3, bytes(1, 2, 3), bytes(9), rollupOf(120, 1.5));
    expect(scope.get(W0, 3, bytes(1, 2, 3), bytes(9))).toBe(kept);
    expect(blocks.scope(HOST, new Set(['count', 'sum'])).get(W0, 3, bytes(1, 2, 3), bytes(9))).toBe(kept);
    // Another block, other shared counts, or shared counts where there were none: not this entry.
    expect(scope.get(W0, 3, bytes(1, 2, 4), bytes(9))).toBeUndefined();
    expect(scope.get(W0, 3, bytes(1, 2, 3), bytes(8))).toBeUndefined();
    expect(scope.get(W0, 3, bytes(1, 2, 3), undefined)).toBeUndefined();
    // Another series, window, host, or set of columns.
    expect(scope.get(W0, 4, bytes(1, 2, 3), bytes(9))).toBeUndefined();
    expect(scope.get(W0 + WINDOW_MS, 3, bytes(1, 2, 3), bytes(9))).toBeUndefined();
    expect(blocks.scope('p\u0000o\u0000h2', SUM_COUNT).get(W0, 3, bytes(1, 2, 3), bytes(9))).toBeUndefined();
    expect(blocks.scope(HOST, new Set(['max'])).get(W0, 3, bytes(1, 2, 3), bytes(9))).toBeUndefined();
    expect(blocks.stats()).toMatchObject({ entries: 1, hits: 2, misses: 7 });
    // Decoded again from other bytes, the entry is replaced.
    const again = scope.put(W0, 3, bytes(5), undefined, rollupOf(120, 2));
    expect(scope.get(W0, 3, bytes(5), undefined)).toBe(again);
    expect(scope.get(W0, 3, bytes(1, 2, 3), bytes(9))).toBeUndefined();
    expect(blocks.stats().entries).toBe(1);
  });

  it('does keep copies of its own, not views of the arena the block was decoded into', () => {
    const blocks = new DecodedBlocks(1 << 20);
    const arena = new Float64Array(1000);
    const view: Rollup = { ...rollupOf(10, 2), sum: arena.subarray(100, 110) };
    const kept = blocks.scope(HOST, SUM_COUNT).put(W0, 1, bytes(1), undefined, view);
    arena.fill(7);
    expect(Array.from(kept.sum)).toEqual(new Array(10).fill(0));
    expect(kept.sum.buffer.byteLength).toBe(8 * 6 * 10);
  });

  it('does stay within its bytes, dropping entries not read since the last scan first', () => {
    const one = rollupOf(120, 1);
    const probe = new DecodedBlocks(1 << 30);
    probe.scope(HOST, SUM_COUNT).put(W0, 1, bytes(1), undefined, one);
    const each = probe.stats().bytes;
    const blocks = new DecodedBlocks(3 * each + 10);
    const scope = blocks.scope(HOST, SUM_COUNT);
    for (const id of [1, 2, 3]) scope.put(W0, id, bytes(1), undefined, one);
    expect(scope.get(W0, 1, bytes(1), undefined)).toBeDefined();
    scope.put(W0, 4, bytes(1), undefined, one);
    expect(blocks.stats()).toMatchObject({ entries: 3, bytes: 3 * each });
    // 2 was the oldest not read since: it went; 1 was read, so it had a second chance.
    expect(scope.get(W0, 2, bytes(1), undefined)).toBeUndefined();
    for (const id of [1, 3, 4]) expect(scope.get(W0, id, bytes(1), undefined)).toBeDefined();
    // An entry bigger than the whole budget is handed back but not kept.
    const small = new DecodedBlocks(100);
    const r = small.scope(HOST, SUM_COUNT).put(W0, 1, bytes(1), undefined, one);
    expect(Array.from(r.sum)).toEqual(Array.from(one.sum));
    expect(small.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('does let go of a host whose entries all went, and keep its blocks again after', () => {
    const one = rollupOf(120, 1);
    const probe = new DecodedBlocks(1 << 30);
    probe.scope(HOST, SUM_COUNT).put(W0, 1, bytes(1), undefined, one);
    const blocks = new DecodedBlocks(probe.stats().bytes + 10);
    const first = blocks.scope('a', SUM_COUNT);
    first.put(W0, 1, bytes(1), undefined, one);
    blocks.scope('b', SUM_COUNT).put(W0, 1, bytes(1), undefined, one);
    expect(first.get(W0, 1, bytes(1), undefined)).toBeUndefined();
    expect(blocks.stats().entries).toBe(1);
    // A read still holding the let-go scope puts into it: it is found again by name.
    first.put(W0, 2, bytes(2), undefined, one);
    expect(blocks.scope('a', SUM_COUNT).get(W0, 2, bytes(2), undefined)).toBeDefined();
    expect(blocks.stats().entries).toBe(1);
  });
});

describe('aggregates with decoded blocks kept', () => {
  const KEYS = ['cpu', 'mem'];
  const data = (seed: number) =>
    makePoints(W0, (3 * WINDOW_MS) / 5000, 5000, (i) =>
      i % 89 === 3 ? Number.NaN : Math.sin(i / 40 + seed) * 50 + (i % 7) / 10,
    );

  async function sealedHost(prefix: string): Promise<{ ctx: TsdbContext; ids: Map<string, number> }> {
    const ctx = testContext(redisOf(), prefix, NOW);
    const ids = await idsOf(ctx, 'o', 'h', KEYS);
    await writeHead(ctx, 'o', 'h', new Map(KEYS.map((k, i) => [ids.get(k) ?? 0, data(i)])));
    for (let w = W0; w < W0 + 3 * WINDOW_MS; w += WINDOW_MS) await sealWindow(ctx, 'o', 'h', w);
    return { ctx, ids };
  }

  const plain = (p: Points | undefined) => ({
    t: Array.from(p?.timestamps ?? []),
    v: Array.from(p?.values ?? []),
  });
  async function answers(ctx: TsdbContext) {
    const out: Record<string, unknown> = {};
    for (const fn of AGGREGATE_FNS)
      for (const step of [60_000, 420_000, 3_600_000]) {
        const r = await aggregate(ctx, 'o', 'h', KEYS, W0, W0 + 3 * WINDOW_MS - 1, step, fn);
        for (const k of KEYS) out[`${fn}/${step}/${k}`] = plain(r.series.get(k));
      }
    return out;
  }

  it('does give the answers of a process that decodes every block, however often asked', async () => {
    const prefix = uniquePrefix('decoded');
    const { ctx } = await sealedHost(prefix);
    const fresh = testContext(redisOf(), prefix, NOW, { decodeCacheBytes: 0 });
    expect(fresh.decoded).toBeUndefined();
    const want = await answers(fresh);
    // Three rounds: the first fills the cache, the others read from it; an answer that wrote into
    // a kept array would change the next round's.
    for (let round = 0; round < 3; round++) expect(await answers(ctx)).toEqual(want);
    const stats = ctx.decoded?.stats();
    expect(stats?.hits).toBeGreaterThan(0);
    expect(stats?.entries).toBeGreaterThan(0);
  });

  it('does not answer from a block decoded before its window was sealed again with late samples', async () => {
    const prefix = uniquePrefix('decoded-late');
    const { ctx, ids } = await sealedHost(prefix);
    const ask = async (c: TsdbContext) =>
      plain(
        (await aggregate(c, 'o', 'h', ['cpu'], W0, W0 + 3 * WINDOW_MS - 1, 600_000, 'avg')).series.get('cpu'),
      );
    const before = await ask(ctx);
    expect(await ask(ctx)).toEqual(before);
    const hits = ctx.decoded?.stats().hits ?? 0;
    expect(hits).toBeGreaterThan(0);
    // New values for the first window's first ten minutes arrive late; the window is sealed again.
    const late = makePoints(W0, 120, 5000, () => 1e6);
    await writeHead(ctx, 'o', 'h', new Map([[ids.get('cpu') ?? 0, late]]));
    await sealWindow(ctx, 'o', 'h', W0);
    const after = await ask(ctx);
    expect(after).toEqual(await ask(testContext(redisOf(), prefix, NOW, { decodeCacheBytes: 0 })));
    expect(after.v[0]).toBeGreaterThan(1e5);
    expect(after.v.slice(1)).toEqual(before.v.slice(1));
  });
});
