import { describe, expect, it } from 'vitest';
import { uniquePrefix, useRedis } from '../../../test/harness/index.ts';
import { WINDOW_MS } from '../layout.ts';
import type { TsdbContext } from '../options.ts';
import { type Points, slicePoints } from '../points.ts';
import { aggregate } from './aggregate.ts';
import { latest } from './latest.ts';
import { range } from './range.ts';
import { recent } from './recent.ts';
import { idsOf, testContext, writeHead, writeHot, writeLatest, writeSealed } from './test-support.ts';
import { AGGREGATE_FNS } from './types.ts';

const W0 = Date.UTC(2025, 0, 10);
const NOW = W0 + 3 * WINDOW_MS + 600_000;
const KEYS = ['cpu.usage', 'net.rx_bps{iface="eth0"}'];
const redisOf = useRedis();

/** Three windows of 5 s samples (from W0 itself, so the hot tier reaches every first bucket) with jitter, a gap, NaN samples and values that round badly. */
function dataset(seed: number): Points {
  const ts: number[] = [];
  const vs: number[] = [];
  for (let t = W0; t < W0 + 3 * WINDOW_MS - 50; t += 5000) {
    if (t > W0 + 4000_000 && t < W0 + 4600_000) continue;
    const i = ts.length;
    ts.push(t + ((i * 37) % 50));
    vs.push(i % 97 === 5 ? Number.NaN : Math.sin(i / 50 + seed) * 100 + 0.1 * (i % 7));
  }
  return { timestamps: Float64Array.from(ts), values: Float64Array.from(vs) };
}

type Mode = 'head' | 'sealed' | 'mixed' | 'late' | 'hot';

async function store(mode: Mode): Promise<TsdbContext> {
  const ctx = testContext(redisOf(), uniquePrefix(`eq-${mode}`), NOW, { hotPoints: 5000 });
  const data = new Map(KEYS.map((k, i) => [k, dataset(i)]));
  if (mode === 'hot') {
    for (const [k, p] of data) writeHot(ctx, 'o', 'h', k, p);
    return ctx;
  }
  const ids = await idsOf(ctx, 'o', 'h', KEYS);
  const byId = (from: number, to: number) =>
    new Map(KEYS.map((k) => [ids.get(k) ?? 0, slicePoints(data.get(k) ?? dataset(0), from, to)]));
  const all = byId(0, NOW);
  if (mode === 'head') await writeHead(ctx, 'o', 'h', all);
  if (mode === 'sealed') await writeSealed(ctx, 'o', 'h', all);
  if (mode === 'mixed') {
    await writeSealed(ctx, 'o', 'h', byId(0, W0 + 2 * WINDOW_MS - 1));
    await writeHead(ctx, 'o', 'h', byId(W0 + 2 * WINDOW_MS, NOW));
  }
  if (mode === 'late') {
    // Every window sealed without its last 10 minutes, which arrive late into heads.
    for (let w = W0; w < W0 + 3 * WINDOW_MS; w += WINDOW_MS) {
      await writeSealed(ctx, 'o', 'h', byId(w, w + WINDOW_MS - 600_001));
      await writeHead(ctx, 'o', 'h', byId(w + WINDOW_MS - 600_000, w + WINDOW_MS - 1));
    }
  }
  for (const [k, p] of data) {
    const n = p.timestamps.length - 1;
    await writeLatest(ctx, 'o', 'h', ids.get(k) ?? 0, p.timestamps[n] ?? 0, p.values[n] ?? 0);
  }
  return ctx;
}

const plain = (p: Points | undefined) => ({
  t: Array.from(p?.timestamps ?? []),
  v: Array.from(p?.values ?? []),
});

async function answers(ctx: TsdbContext): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  out.latest = Object.fromEntries(await latest(ctx, 'o', 'h', KEYS));
  out.recent = [...(await recent(ctx, 'o', 'h', KEYS, 700))].map(([k, p]) => [k, plain(p)]);
  const r = await range(ctx, 'o', 'h', KEYS, W0 + 1_000_000, W0 + 3 * WINDOW_MS, 1000);
  out.range = [...r].map(([k, s]) => [k, plain(s.points), s.truncated]);
  const r2 = await range(ctx, 'o', 'h', KEYS, W0 + WINDOW_MS, W0 + 2 * WINDOW_MS, 10_000);
  out.rangeEdges = [...r2].map(([k, s]) => [k, plain(s.points), s.truncated]);
  for (const step of [10_000, 60_000, 300_000, 3_600_000, 7_200_000]) {
    for (const fn of AGGREGATE_FNS) {
      const a = await aggregate(ctx, 'o', 'h', KEYS, W0 + 1_000_000, W0 + 3 * WINDOW_MS - 1, step, fn);
      out[`${fn}@${step}`] = [a.stepMs, a.from, a.to, ...[...a.series].map(([k, p]) => [k, plain(p)])];
    }
  }
  return out;
}

describe('the same question', () => {
  it('does give the same answers when the data is in heads, sealed windows, both, late heads or the hot tier', async () => {
    const reference = await answers(await store('head'));
    for (const [question, answer] of Object.entries(reference)) {
      expect(JSON.stringify(answer), question).not.toContain('"t":[]');
    }
    for (const mode of ['sealed', 'mixed', 'late', 'hot'] as const) {
      const got = await answers(await store(mode));
      for (const [question, answer] of Object.entries(reference))
        expect([mode, question, got[question]]).toEqual([mode, question, answer]);
    }
  });

  it('does read the rollup tiers when the data is sealed', async () => {
    const ctx = await store('sealed');
    const from = W0 + 1_000_000;
    const to = W0 + 3 * WINDOW_MS - 1;
    expect((await aggregate(ctx, 'o', 'h', KEYS, from, to, 300_000, 'avg')).tiers).toEqual(['1m']);
    expect((await aggregate(ctx, 'o', 'h', KEYS, from, to, 3_600_000, 'max')).tiers).toEqual(['1h']);
    expect((await aggregate(ctx, 'o', 'h', KEYS, from, to, 3_600_000, 'p95')).tiers).toEqual(['raw']);
    expect((await aggregate(ctx, 'o', 'h', KEYS, from, to, 10_000, 'sum')).tiers).toEqual(['raw']);
  });
});
