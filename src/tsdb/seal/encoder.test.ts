import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { WINDOW_MS } from '../layout.ts';
import type { TsdbContext } from '../options.ts';
import { CorruptPartError, compactBlock, planWindow, type WindowJob } from './encode-jobs.ts';
import { EncoderPool, encoderOf, encoderWith } from './encoder.ts';
import { byTime, headRecord, series, T0, testOptions } from './test-support.ts';

const odd = [Number.NaN, -0, 0, Number.POSITIVE_INFINITY, -1e308, 5e-324, 0.1 + 0.2];

function head(): Buffer {
  return Buffer.concat([
    headRecord(
      byTime(
        series(1, T0, 1440, 5000, (i) => odd[i % odd.length] ?? i),
        series(2, T0 + 2500, 200, 30_000, (i) => Math.sin(i) * 100),
      ),
    ),
    headRecord(
      byTime(
        series(3, T0, 720, 10_000, (i) => i * 4096),
        series(1, T0 + 60_000, 5, 5000, () => -1),
      ),
    ),
  ]);
}

/** A sealed window's fields, as Buffers the way Redis hands them back. */
async function sealedFields(): Promise<Record<string, Buffer>> {
  const plan = await planWindow({ head: head(), window: {}, windowStart: T0, expired: false });
  const fields: Record<string, Buffer> = {};
  for (const [name, bytes] of plan.encoded?.fields ?? []) fields[name] = Buffer.from(bytes);
  return fields;
}

describe('encoder threads', () => {
  it('does give the same bytes as encoding on the event loop when a window is sealed, merged or compacted', async () => {
    const pool = new EncoderPool(1);
    const late = headRecord(series(4, T0 + WINDOW_MS - 60_000, 12, 5000, () => 42));
    const jobs: WindowJob[] = [
      { head: head(), window: {}, windowStart: T0, expired: false },
      { head: late, window: await sealedFields(), windowStart: T0, expired: false },
      { head: head(), window: {}, windowStart: T0, expired: true },
    ];
    for (const job of jobs) expect(await pool.planWindow(job)).toEqual(await planWindow(job));
    expect(Buffer.from(await pool.compactBlock(head()))).toEqual(Buffer.from(await compactBlock(head())));
    expect(pool.ran).toEqual({ threads: 4, inline: 0 });
  });

  it('does leave the caller its bytes when a job is sent to a thread', async () => {
    const bytes = head();
    const copy = Buffer.from(bytes);
    await new EncoderPool(1).compactBlock(bytes);
    expect(bytes.byteLength).toBe(copy.byteLength);
    expect(bytes.equals(copy)).toBe(true);
  });

  it('does name the part it could not decode when a thread is sent corrupt bytes', async () => {
    const pool = encoderWith(1);
    const bad = Buffer.from('not a head record');
    const headError = await pool.compactBlock(bad).catch((err: unknown) => err);
    expect(headError).toBeInstanceOf(CorruptPartError);
    expect(headError).toMatchObject({ part: 'head' });
    const window = { t: Buffer.from([0xff, 0xff, 0xff]), 'r:1': Buffer.from([1]) };
    const job = { head: head(), window, windowStart: T0, expired: false };
    const windowError = await pool.planWindow(job).catch((err: unknown) => err);
    expect(windowError).toMatchObject({ name: 'CorruptPartError', part: 'window' });
    // The thread is still there for the next job.
    expect((await pool.planWindow({ ...job, window: {} })).encoded?.series).toBe(3);
  });

  it('does run the jobs on several threads at once when they come together', async () => {
    const pool = new EncoderPool(2);
    const jobs = Array.from({ length: 6 }, () =>
      pool.planWindow({ head: head(), window: {}, windowStart: T0, expired: false }),
    );
    const plans = await Promise.all(jobs);
    expect(new Set(plans.map((plan) => plan.encoded?.samples))).toEqual(new Set([1440 + 200 + 720]));
    expect(pool.ran).toEqual({ threads: 6, inline: 0 });
  });

  it('does encode on the event loop and warn once when no thread can start', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const pool = new EncoderPool(1, () => new Worker('throw new Error("no thread here")', { eval: true }));
      const job = { head: head(), window: {}, windowStart: T0, expired: false };
      expect(await pool.planWindow(job)).toEqual(await planWindow(job));
      expect(await pool.compactBlock(head())).toEqual(await compactBlock(head()));
      expect(pool.ran).toEqual({ threads: 0, inline: 2 });
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((text) => text.includes('no thread here'))).toHaveLength(1);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('encoderOf', () => {
  it('does give storage contexts one thread unless their options say otherwise', () => {
    expect(encoderOf({ options: testOptions() } as TsdbContext).threads).toBe(1);
    expect(encoderOf({ options: testOptions({ encodeThreads: 0 }) } as TsdbContext).threads).toBe(0);
    expect(encoderOf({ options: testOptions({ encodeThreads: 2 }) } as TsdbContext)).toBe(encoderWith(2));
  });
});
