import { describe, expect, it } from 'vitest';
import { uniquePrefix } from '../../../test/harness/index.ts';
import { WINDOW_MS } from '../layout.ts';
import { sealDue, sealHost } from './due.ts';
import {
  appendSamples,
  asPairs,
  byTime,
  dumpKeys,
  expectedPoints,
  HOST,
  ORG,
  readWindow,
  series,
  T0,
  testContext,
  useRedis,
} from './test-support.ts';
import { sealWindow } from './window.ts';

const redis = useRedis();

/** Four closed windows of two series. */
const samples = byTime(
  series(1, T0, 4 * 720, 10_000, (i) => i % 100),
  series(2, T0, 4 * 240, 30_000, (i) => i * 0.5),
);

describe('concurrent sealers', () => {
  it('does give one correct result when two sealers run on one host at once', async () => {
    const a = uniquePrefix('race');
    const b = uniquePrefix('reference');
    const racing = testContext(redis(), a);
    const reference = testContext(redis(), b);
    await appendSamples(racing, samples);
    await appendSamples(reference, samples);
    const [first, second] = await Promise.all([
      sealHost(racing, ORG, HOST, { upTo: racing.now() }),
      sealHost(racing, ORG, HOST, { upTo: racing.now() }),
    ]);
    expect(first.windows + second.windows).toBe(4);
    expect(first.samples + second.samples).toBe(samples.length);
    await sealHost(reference, ORG, HOST, { upTo: reference.now() });
    expect(await dumpKeys(redis(), a)).toEqual(await dumpKeys(redis(), b));
    for (let w = 0; w < 4; w++) {
      const ws = T0 + w * WINDOW_MS;
      const inWindow = samples.filter((s) => s.t >= ws && s.t < ws + WINDOW_MS);
      expect(asPairs(await readWindow(racing, ws))).toEqual(expectedPoints(inWindow));
    }
  });

  it('does seal each window once when two sealWindow calls race on it', async () => {
    const ctx = testContext(redis());
    await appendSamples(ctx, samples);
    const results = await Promise.all([sealWindow(ctx, ORG, HOST, T0), sealWindow(ctx, ORG, HOST, T0)]);
    expect(results.filter((r) => r.sealed)).toHaveLength(1);
    const inWindow = samples.filter((s) => s.t < T0 + WINDOW_MS);
    expect(asPairs(await readWindow(ctx, T0))).toEqual(expectedPoints(inWindow));
  });

  it('does count every window once when two maintenance runs overlap', async () => {
    const ctx = testContext(redis());
    await appendSamples(ctx, samples);
    const runs = await Promise.all([sealDue(ctx), sealDue(ctx)]);
    expect(runs.reduce((n, r) => n + r.windows, 0)).toBe(4);
    expect(runs.flatMap((r) => r.failures)).toEqual([]);
    expect(await ctx.redis.zcard(ctx.keys.heads(ORG, HOST))).toBe(0);
  });
});
