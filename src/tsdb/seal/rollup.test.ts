import { describe, expect, it } from 'vitest';
import { ByteReader } from '../codec/bytes.ts';
import { ColumnLayout } from '../column-packs.ts';
import { dayStart } from '../layout.ts';
import { readRollupBlock } from '../query/rollup-columns.ts';
import { decodeHourlyField, decodeRollupBlock, LEAN_COLUMNS, type Rollup } from '../window-format.ts';
import {
  appendSamples,
  byTime,
  expectedPoints,
  HOST,
  ORG,
  type Sample,
  series,
  T0,
  type TestContext,
  testContext,
  useRedis,
} from './test-support.ts';
import { sealWindow } from './window.ts';

const redis = useRedis();
const MINUTE = 60_000;
const HOUR = 3_600_000;

interface Bucket {
  start: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
}

/** The rollup computed the plain way from the samples (last write wins, NaN skipped). */
function direct(samples: readonly Sample[], id: number, stepMs: number): Bucket[] {
  const points = expectedPoints(samples).get(id) ?? [];
  const buckets = new Map<number, Bucket>();
  for (const [t, bits] of points) {
    const v = Buffer.from(bits, 'hex').readDoubleLE(0);
    if (Number.isNaN(v)) continue;
    const start = T0 + Math.floor((t - T0) / stepMs) * stepMs;
    const b = buckets.get(start);
    if (!b) buckets.set(start, { start, min: v, max: v, sum: v, count: 1, last: v });
    else
      Object.assign(b, {
        min: Math.min(b.min, v),
        max: Math.max(b.max, v),
        sum: b.sum + v,
        count: b.count + 1,
        last: v,
      });
  }
  return [...buckets.values()];
}

function buckets(r: Rollup): Bucket[] {
  return Array.from(r.starts, (start, i) => ({
    start,
    min: r.min[i] ?? Number.NaN,
    max: r.max[i] ?? Number.NaN,
    sum: r.sum[i] ?? Number.NaN,
    count: r.count[i] ?? Number.NaN,
    last: r.last[i] ?? Number.NaN,
  }));
}

/**
 * The series' 1-minute rollup block, from its own field or its group's pack: lean while the window has
 * its raw columns (sum and count; the other columns are compared as NaN on both sides).
 */
async function minuteRollup(ctx: TestContext, id: number): Promise<Bucket[]> {
  const layout = new ColumnLayout('m', [id]);
  const reply = await ctx.redis.hmgetBuffer(ctx.keys.window(ORG, HOST, T0), ...layout.fields);
  const block = layout.column(reply, 0, 0);
  if (!block) throw new Error(`m:${id} missing`);
  const lean = readRollupBlock(new ByteReader(block), T0, MINUTE, 120, LEAN_COLUMNS);
  expect(() => decodeRollupBlock(new ByteReader(block), T0, MINUTE, 120)).toThrow(/not stored/);
  return buckets(lean);
}

/** Buckets as a lean block holds them: sum and count. */
function leanOf(buckets: readonly Bucket[]): Bucket[] {
  return buckets.map((b) => ({ ...b, min: Number.NaN, max: Number.NaN, last: Number.NaN }));
}

async function hourRollups(ctx: TestContext): Promise<Map<number, Rollup>> {
  const field = await ctx.redis.hgetBuffer(ctx.keys.hourly(ORG, HOST, dayStart(T0)), String(T0));
  if (!field) throw new Error('hourly field missing');
  return decodeHourlyField(field, T0, HOUR, 2);
}

/** A jittery 5 s series with a spike, NaN gaps and a minute with nothing but NaN. */
const spiky = series(1, T0, 1440, 5000, (i) =>
  i === 700 ? 1e6 : i % 50 === 0 ? Number.NaN : 20 + (i % 7) * 0.25,
)
  .filter((s) => s.t < T0 + 30 * MINUTE || s.t >= T0 + 32 * MINUTE)
  .map((s, i) => ({ ...s, t: s.t + (i % 3) * 11 }));
const sparse = byTime(
  series(2, T0 + 90 * MINUTE, 40, 45_000, (i) => -i),
  [{ id: 2, t: T0 + 7 * MINUTE + 1, v: Number.NaN }],
);

describe('rollups', () => {
  it('does store min, max, sum, count and last per 1m and 1h bucket that match a direct computation', async () => {
    const ctx = testContext(redis());
    const samples = byTime(spiky, sparse);
    await appendSamples(ctx, samples);
    await sealWindow(ctx, ORG, HOST, T0);
    for (const id of [1, 2]) expect(await minuteRollup(ctx, id)).toEqual(leanOf(direct(samples, id, MINUTE)));
    const hourly = await hourRollups(ctx);
    expect([...hourly.keys()]).toEqual([1, 2]);
    for (const id of [1, 2]) expect(buckets(hourly.get(id) as Rollup)).toEqual(direct(samples, id, HOUR));
    expect(Math.max(...(hourly.get(1)?.max ?? []))).toBe(1e6);
  });

  it('does recompute the rollups over all points when late samples merge into a window', async () => {
    const ctx = testContext(redis());
    await appendSamples(ctx, spiky);
    await sealWindow(ctx, ORG, HOST, T0);
    const late = byTime(
      series(1, T0 + 31 * MINUTE, 6, 10_000, (i) => 100 + i),
      series(1, T0 + 700 * 5000, 1, 1, () => 3),
    );
    await appendSamples(ctx, late);
    await sealWindow(ctx, ORG, HOST, T0);
    const all = [...spiky, ...late];
    expect(await minuteRollup(ctx, 1)).toEqual(leanOf(direct(all, 1, MINUTE)));
    expect(buckets((await hourRollups(ctx)).get(1) as Rollup)).toEqual(direct(all, 1, HOUR));
  });
});
