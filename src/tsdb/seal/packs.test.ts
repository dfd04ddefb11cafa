import { describe, expect, it } from 'vitest';
import { WINDOW_MS } from '../layout.ts';
import type { Points } from '../points.ts';
import { readRaw } from '../query/read-raw.ts';
import { fetchRollups } from '../query/read-rollups.ts';
import { LEAN_COLUMNS } from '../window-format.ts';
import { encodeWindow } from './build.ts';
import { commitSeal, sealTarget } from './commit.ts';
import {
  appendSamples,
  asPairs,
  byTime,
  expectedPoints,
  HOST,
  ORG,
  type Sample,
  series,
  T0,
  testContext,
  useRedis,
} from './test-support.ts';
import { sealWindow } from './window.ts';

const redis = useRedis();

/** 40 series at 5 s: every fourth noisy, the rest constant or a slow step (node_exporter's mix). */
function samples(): Sample[] {
  return byTime(
    ...Array.from({ length: 40 }, (_, k) => {
      const id = k + 1;
      if (id % 4 === 0) return series(id, T0, 1440, 5000, (i) => Math.sin(i / 7 + id) * 1e4 + 0.123);
      if (id % 4 === 1) return series(id, T0, 1440, 5000, (i) => (i < 700 ? 8e9 : 8.5e9));
      return series(id, T0, 1440, 5000, () => id * 1000);
    }),
  );
}

/** Per series, its samples as points (the samples are in time order, one per series and timestamp). */
function pointsOf(list: readonly Sample[]): Map<number, Points> {
  const bySeries = new Map<number, Sample[]>();
  for (const s of list) {
    const mine = bySeries.get(s.id);
    if (mine) mine.push(s);
    else bySeries.set(s.id, [s]);
  }
  return new Map(
    [...bySeries].map(([id, mine]) => [
      id,
      { timestamps: Float64Array.from(mine, (s) => s.t), values: Float64Array.from(mine, (s) => s.v) },
    ]),
  );
}

describe('packs of small columns', () => {
  it('does read every series back exactly from packs, and from windows sealed before packs, in less memory', async () => {
    const data = samples();
    const ids = Array.from({ length: 40 }, (_, k) => k + 1);
    const packed = testContext(redis());
    await appendSamples(packed, data);
    expect(await sealWindow(packed, ORG, HOST, T0)).toMatchObject({ sealed: true, series: 40 });
    // The window as sealed before packs: every column in a field of its own.
    const before = testContext(redis());
    const target = sealTarget(before, ORG, HOST, T0);
    expect(await commitSeal(before, target, 0, await encodeWindow(pointsOf(data), T0, 0), '')).toBe('sealed');

    const fieldsOf = (ctx: typeof packed) => ctx.redis.hkeys(ctx.keys.window(ORG, HOST, T0));
    const packedFields = await fieldsOf(packed);
    expect(packedFields).toEqual(
      expect.arrayContaining(['t', 'r:4', 'm:4', 'R:0', 'M:0', 'R:1', 'M:1', 'R:2']),
    );
    expect(packedFields).not.toContain('r:2');
    expect(await fieldsOf(before)).toHaveLength(81);

    for (const ctx of [packed, before]) {
      const raw = await readRaw(ctx, ORG, HOST, ids, T0, T0 + WINDOW_MS - 1);
      expect(asPairs(raw)).toEqual(expectedPoints(data));
    }
    // The packed window's blocks are lean (sum and count: it keeps its raw columns); the other's whole.
    const rollups = (ctx: typeof packed) => fetchRollups(ctx, ORG, HOST, ids, [T0], [], LEAN_COLUMNS);
    const fromPacks = (await rollups(packed)).get(T0);
    expect(fromPacks?.size).toBe(40);
    expect(fromPacks).toEqual((await rollups(before)).get(T0));

    const bytes = async (ctx: typeof packed) =>
      Number(await ctx.redis.memory('USAGE', ctx.keys.window(ORG, HOST, T0), 'SAMPLES', '0'));
    // Each field a pack saves is a Redis dict entry, a field name and allocator rounding: tens of bytes.
    const saved = 81 - packedFields.length;
    expect(saved).toBeGreaterThanOrEqual(40);
    expect((await bytes(before)) - (await bytes(packed))).toBeGreaterThan(saved * 40);
  });
});
