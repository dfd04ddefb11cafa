import { describe, expect, it } from 'vitest';
import { MAX_DEFER_MS } from './growing.ts';
import { runMaintenance } from './maintenance.ts';
import {
  appendSamples,
  asPairs,
  byTime,
  expectedPoints,
  HOST,
  ORG,
  readWindow,
  series,
  T0,
  testContext,
  useRedis,
} from './test-support.ts';

const redis = useRedis();

describe('due windows whose head is still growing', () => {
  it('does seal a due window at once, put it off while a backfill keeps writing it, and seal it once quiet', async () => {
    const ctx = testContext(redis());
    const head = () => ctx.redis.exists(ctx.keys.head(ORG, HOST, T0));
    const part = (i: number) => series(1, T0 + i * 600_000, 120, 5000, (k) => i * 1000 + k);
    await appendSamples(ctx, part(0));
    // First seen: sealed at once (an agent's old window is never written again).
    expect((await runMaintenance(ctx)).windowsSealed).toBe(1);
    expect(await head()).toBe(0);
    // A backfill writes it again run after run: put off, its samples kept in the head.
    await appendSamples(ctx, part(1));
    expect((await runMaintenance(ctx)).windowsSealed).toBe(0);
    await appendSamples(ctx, part(2));
    expect((await runMaintenance(ctx)).windowsSealed).toBe(0);
    expect(await head()).toBe(1);
    // Quiet for a run: sealed, with everything written.
    expect((await runMaintenance(ctx)).windowsSealed).toBe(1);
    expect(await head()).toBe(0);
    expect(asPairs(await readWindow(ctx, T0))).toEqual(expectedPoints(byTime(part(0), part(1), part(2))));
  });

  it('does seal a window that keeps growing once it was put off for a minute', async () => {
    const ctx = testContext(redis());
    let now = T0 + 86_400_000;
    let sealed = 0;
    let runs = 0;
    await appendSamples(
      ctx,
      series(1, T0, 10, 5000, (k) => k),
    );
    sealed += (await runMaintenance(ctx)).windowsSealed;
    for (; runs < 20 && sealed < 2; runs++) {
      await appendSamples(
        ctx,
        series(1, T0 + (runs + 1) * 60_000, 10, 5000, (k) => k),
      );
      now += 15_000;
      ctx.setNow(now);
      sealed += (await runMaintenance(ctx)).windowsSealed;
    }
    expect(sealed).toBe(2);
    // Put off from the first growing run for MAX_DEFER_MS at 15 s a run.
    expect(runs).toBe(MAX_DEFER_MS / 15_000 + 1);
  });
});
