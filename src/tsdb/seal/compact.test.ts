import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeHead, encodeHeadBlock } from '../head-record.ts';
import { loadScript, runScript } from '../lua/scripts.ts';
import { pointsBySeries } from '../points.ts';
import { compactHead, MIN_TAIL_BYTES, worthCompacting } from './compact.ts';
import { SealLockLostError } from './errors.ts';
import { tryLockHost } from './lock.ts';
import { runMaintenance } from './maintenance.ts';
import {
  appendSamples,
  asPairs,
  byTime,
  expectedPoints,
  HOST,
  ORG,
  readWindow,
  type Sample,
  series,
  T0,
  testContext,
  useRedis,
} from './test-support.ts';
import { sealWindow } from './window.ts';

const redis = useRedis();

/** What a head holds, as readers see it: per series, sorted, last write wins. */
async function headPairs(ctx: ReturnType<typeof testContext>, ws = T0) {
  const bytes = await ctx.redis.getBuffer(ctx.keys.head(ORG, HOST, ws));
  return asPairs(pointsBySeries(decodeHead(bytes ?? Buffer.alloc(0))));
}

async function lock(ctx: ReturnType<typeof testContext>) {
  const held = await tryLockHost(ctx, ORG, HOST);
  if (!held) throw new Error('lock busy');
  return held;
}

/** Gauges with 2 decimals, a counter and odd doubles, 5 s apart, as agents send them. */
function agentSamples(from: number, count: number, seriesCount: number): Sample[] {
  const parts: Sample[][] = [];
  for (let id = 1; id <= seriesCount; id++) {
    parts.push(
      series(id, from, count, 5000, (i) =>
        id % 3 === 0 ? i * 4096 + id : Math.round((50 + 30 * Math.sin(i / 7 + id)) * 100) / 100,
      ),
    );
  }
  return byTime(...parts);
}

describe('head compaction', () => {
  it('does keep every point, odd doubles and rewrites included, across compactions and appends', async () => {
    const ctx = testContext(redis());
    const odd = [Number.NaN, -0, 0, Number.POSITIVE_INFINITY, -1e308, 5e-324, 0.1 + 0.2];
    const all: Sample[] = [];
    const held = await lock(ctx);
    try {
      for (let round = 0; round < 6; round++) {
        const batch = byTime(
          series(1, T0 + round * 60_000, 12, 5000, (i) => odd[(i + round) % odd.length] ?? i),
          series(2, T0 + round * 60_000 + 2500, 6, 10_000, (i) => i * 1.25),
          // Rewrites of points a block already holds: the later record must win.
          series(3, T0, 3, 5000, (i) => round * 10 + i),
        );
        await appendSamples(ctx, batch);
        all.push(...batch);
        if (round % 2 === 1) expect((await compactHead(ctx, ORG, HOST, T0, held)).compacted).toBe(true);
        expect(await headPairs(ctx)).toEqual(expectedPoints(all));
      }
    } finally {
      await held.release();
    }
  });

  it('does keep what a writer appends between the read and the swap', async () => {
    const ctx = testContext(redis());
    const first = agentSamples(T0, 20, 5);
    const late = agentSamples(T0 + 100_000, 4, 5);
    await appendSamples(ctx, first);
    const held = await lock(ctx);
    try {
      const result = await compactHead(ctx, ORG, HOST, T0, held, () => appendSamples(ctx, late));
      expect(result.compacted).toBe(true);
    } finally {
      await held.release();
    }
    expect(await headPairs(ctx)).toEqual(expectedPoints([...first, ...late]));
  });

  it('does change nothing when replayed, or when the lock is no longer held', async () => {
    const ctx = testContext(redis());
    await appendSamples(ctx, agentSamples(T0, 20, 5));
    const key = ctx.keys.head(ORG, HOST, T0);
    const before = (await ctx.redis.getBuffer(key)) as Buffer;
    const held = await lock(ctx);
    const script = loadScript('seal-compact-2.lua');
    const block = await encodeHeadBlock(pointsBySeries(decodeHead(before)));
    const sha = createHash('sha1').update(before).digest('hex');
    const args = [held.token, before.length, sha, block];
    expect(await runScript(ctx.redis, script, [key, held.key], args)).toBe(1);
    const compacted = (await ctx.redis.getBuffer(key)) as Buffer;
    expect(await runScript(ctx.redis, script, [key, held.key], args)).toBe(0);
    expect(await ctx.redis.getBuffer(key)).toEqual(compacted);
    await held.release();
    await appendSamples(ctx, agentSamples(T0 + 200_000, 2, 5));
    const other = await lock(ctx);
    try {
      await expect(compactHead(ctx, ORG, HOST, T0, { ...other, token: 'not-ours' })).rejects.toBeInstanceOf(
        SealLockLostError,
      );
    } finally {
      await other.release();
    }
    expect((await ctx.redis.getBuffer(key))?.subarray(0, compacted.length)).toEqual(compacted);
  });

  it('does seal a compacted head into the same window bytes as an uncompacted one', async () => {
    const plain = testContext(redis());
    const compacted = testContext(redis());
    const samples = agentSamples(T0, 300, 8);
    for (const ctx of [plain, compacted]) await appendSamples(ctx, samples.slice(0, 1200));
    const held = await lock(compacted);
    await compactHead(compacted, ORG, HOST, T0, held);
    await held.release();
    for (const ctx of [plain, compacted]) await appendSamples(ctx, samples.slice(1200));
    for (const ctx of [plain, compacted]) await sealWindow(ctx, ORG, HOST, T0);
    const a = await plain.redis.hgetallBuffer(plain.keys.window(ORG, HOST, T0));
    const b = await compacted.redis.hgetallBuffer(compacted.keys.window(ORG, HOST, T0));
    expect(b).toEqual(a);
    expect(asPairs(await readWindow(compacted, T0))).toEqual(expectedPoints(samples));
  });

  it('does keep open heads of agent data under 3 bytes a sample when maintenance runs each minute', async () => {
    const ctx = testContext(redis());
    const seriesCount = 100;
    let appended = 0;
    let worst = 0;
    let compactions = 0;
    // One hour of a 100-series host at 5 s, maintenance every minute while the window is open.
    for (let minute = 0; minute < 60; minute++) {
      const from = T0 + minute * 60_000;
      await appendSamples(ctx, agentSamples(from, 12, seriesCount));
      appended += 12 * seriesCount;
      ctx.setNow(from + 60_000);
      const run = await runMaintenance(ctx);
      expect(run.failures).toBe(0);
      compactions += run.headsCompacted;
      const bytes = await ctx.redis.strlen(ctx.keys.head(ORG, HOST, T0));
      if (minute >= 10) worst = Math.max(worst, bytes / appended);
    }
    expect(worst).toBeLessThan(3);
    // The head was never sealed (its window is open all along), only compacted.
    expect(compactions).toBeGreaterThan(3);
    expect(await ctx.redis.exists(ctx.keys.window(ORG, HOST, T0))).toBe(0);
  });

  it('does leave heads alone in a run that is told not to compact, and compacts them in the next', async () => {
    const ctx = testContext(redis());
    await appendSamples(ctx, agentSamples(T0, 60, 100));
    ctx.setNow(T0 + 10 * 60_000);
    const before = await ctx.redis.strlen(ctx.keys.head(ORG, HOST, T0));
    expect(before).toBeGreaterThan(2 * MIN_TAIL_BYTES);
    const skipped = await runMaintenance(ctx, { compact: false });
    expect(skipped).toMatchObject({ headsCompacted: 0, failures: 0 });
    expect(await ctx.redis.strlen(ctx.keys.head(ORG, HOST, T0))).toBe(before);
    const run = await runMaintenance(ctx);
    expect(run).toMatchObject({ headsCompacted: 1, failures: 0 });
    expect(await ctx.redis.strlen(ctx.keys.head(ORG, HOST, T0))).toBeLessThan(before / 3);
  });

  it('does decide by the leading block and the records after it', () => {
    const record = Uint8Array.of(0xa1, 1);
    expect(worthCompacting(MIN_TAIL_BYTES - 1, record)).toBe(false);
    expect(worthCompacting(MIN_TAIL_BYTES, record)).toBe(true);
    // A 10,000-byte block (0xA2, varint 9,997): compacted again once twice as many bytes follow it.
    const block = Uint8Array.of(0xa2, 0x8d, 0x4e);
    expect(worthCompacting(10_000 + 19_999, block)).toBe(false);
    expect(worthCompacting(30_000, block)).toBe(true);
    expect(worthCompacting(30_000, Uint8Array.of(0x00))).toBe(false);
  });
});
