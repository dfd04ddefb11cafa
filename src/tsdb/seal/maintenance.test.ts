import { describe, expect, it } from 'vitest';
import { WINDOW_MS } from '../layout.ts';
import { sealDue, sealHost } from './due.ts';
import { SealCorruptError } from './errors.ts';
import {
  COMPACT_EVERY_MS,
  lastMaintenance,
  RETENTION_EVERY_MS,
  runMaintenance,
  SweepSchedule,
} from './maintenance.ts';
import {
  appendRecord,
  appendSamples,
  HOST,
  ORG,
  series,
  T0,
  type TestContext,
  testContext,
  useRedis,
} from './test-support.ts';

const redis = useRedis();
const GRACE = 5 * 60_000;

/** One head per window W0..W3, 600 samples each. */
async function fourHeads(ctx: TestContext): Promise<void> {
  await appendSamples(
    ctx,
    series(1, T0, 4 * 600, 12_000, (i) => i),
  );
}

const headWindows = async (ctx: TestContext) =>
  (await ctx.redis.zrange(ctx.keys.heads(ORG, HOST), 0, -1)).map(Number);

describe('sealDue and sealHost', () => {
  it('does never seal open windows or windows still in their grace period when maintenance runs', async () => {
    const ctx = testContext(redis());
    // W0 and W1 closed long enough ago; W2 closed 2 min ago (grace is 5); W3 is open.
    ctx.setNow(T0 + 3 * WINDOW_MS + 2 * 60_000);
    await fourHeads(ctx);
    const summary = await sealDue(ctx);
    expect(summary).toMatchObject({ hosts: 1, windows: 2, samples: 1200, failures: [] });
    expect(await headWindows(ctx)).toEqual([T0 + 2 * WINDOW_MS, T0 + 3 * WINDOW_MS]);
    ctx.setNow(T0 + 3 * WINDOW_MS + GRACE);
    expect((await sealDue(ctx)).windows).toBe(1);
    expect(await headWindows(ctx)).toEqual([T0 + 3 * WINDOW_MS]);
  });

  it('does seal the windows ending by upTo but never an open one when the importer seals a host', async () => {
    const ctx = testContext(redis());
    ctx.setNow(T0 + 3 * WINDOW_MS + 1);
    await fourHeads(ctx);
    expect(await sealHost(ctx, ORG, HOST, { upTo: T0 + 2 * WINDOW_MS - 1 })).toMatchObject({ windows: 1 });
    expect(await headWindows(ctx)).toEqual([T0 + WINDOW_MS, T0 + 2 * WINDOW_MS, T0 + 3 * WINDOW_MS]);
    // upTo in the future is clamped to now: W1 and W2 (closed, even within grace) are sealed, W3 is not.
    expect(await sealHost(ctx, ORG, HOST, { upTo: Number.MAX_SAFE_INTEGER })).toMatchObject({ windows: 2 });
    expect(await headWindows(ctx)).toEqual([T0 + 3 * WINDOW_MS]);
  });

  it('does report a corrupt head and still seal the host’s other windows when one head is malformed', async () => {
    const ctx = testContext(redis());
    await appendRecord(ctx, T0, Buffer.from([0xa1, 0x05]));
    await appendSamples(
      ctx,
      series(1, T0 + WINDOW_MS, 10, 1000, (i) => i),
    );
    const summary = await sealDue(ctx);
    expect(summary.windows).toBe(1);
    expect(summary.failures).toHaveLength(1);
    expect(summary.failures[0]).toMatchObject({ org: ORG, host: HOST, windowStart: T0 });
    expect(summary.failures[0]?.error).toBeInstanceOf(SealCorruptError);
    expect(await headWindows(ctx)).toEqual([T0]);
  });
});

describe('runMaintenance', () => {
  it('does record lastRunAt and the run’s figures when maintenance runs', async () => {
    const ctx = testContext(redis());
    await fourHeads(ctx);
    expect(await lastMaintenance(ctx)).toBeUndefined();
    const run = await runMaintenance(ctx);
    expect(run).toMatchObject({
      lastRunAt: ctx.now(),
      hosts: 1,
      windowsSealed: 4,
      samplesSealed: 2400,
      failures: 0,
      lastError: '',
    });
    expect(run.durationMs).toBeGreaterThanOrEqual(0);
    const { failureDetails: _, ...figures } = run;
    expect(await lastMaintenance(ctx)).toEqual(figures);
  });

  it('does record the first failure when a run meets a malformed head', async () => {
    const ctx = testContext(redis());
    await appendRecord(ctx, T0, Buffer.from('garbage'));
    const run = await runMaintenance(ctx);
    expect(run.failures).toBe(1);
    expect((await lastMaintenance(ctx))?.lastError).toContain(`${ORG}:${HOST} window ${T0}`);
  });
});

describe('SweepSchedule', () => {
  const ticks = (intervalMs: number, until: number, jitter = () => 0) => {
    const schedule = new SweepSchedule(intervalMs);
    const out: Array<{ at: number; compact: boolean; retention: boolean }> = [];
    for (let at = 0; at <= until; at += intervalMs) {
      const t = at + jitter();
      out.push({ at, ...schedule.next(t) });
    }
    return out;
  };

  it('does compact every 10 s and enforce retention every minute when the interval is 1 s', () => {
    const runs = ticks(1000, 130_000);
    expect(runs.filter((r) => r.compact).map((r) => r.at)).toEqual(
      Array.from({ length: 14 }, (_, i) => i * COMPACT_EVERY_MS),
    );
    expect(runs.filter((r) => r.retention).map((r) => r.at)).toEqual([
      0,
      RETENTION_EVERY_MS,
      2 * RETENTION_EVERY_MS,
    ]);
  });

  it('does everything every run at the default interval, early or late ticks included', () => {
    let n = 0;
    const runs = ticks(60_000, 600_000, () => (n++ % 2 === 0 ? -20 : 25));
    expect(runs).toHaveLength(11);
    expect(runs.every((r) => r.compact && r.retention)).toBe(true);
  });

  it('does compact every run when the interval is 10 s or more', () => {
    const runs = ticks(15_000, 150_000);
    expect(runs.every((r) => r.compact)).toBe(true);
    expect(runs.filter((r) => r.retention).map((r) => r.at)).toEqual([0, 60_000, 120_000]);
  });
});
