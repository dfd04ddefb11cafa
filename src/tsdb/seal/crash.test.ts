import { describe, expect, it } from 'vitest';
import { uniquePrefix } from '../../../test/harness/index.ts';
import { sealHost } from './due.ts';
import { SealLockLostError } from './errors.ts';
import { sealLockKey, tryLockHost } from './lock.ts';
import {
  appendSamples,
  byTime,
  dumpKeys,
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

class Crash extends Error {}

const crash = async (): Promise<void> => {
  throw new Crash('killed before the commit');
};

const early = byTime(
  series(1, T0, 1440, 5000, (i) => i % 17),
  series(2, T0, 480, 15_000, (i) => i / 8),
);
const late = byTime(
  series(1, T0 + 60_000, 24, 5000, (i) => -i),
  series(3, T0 + 3_600_000, 60, 1000, () => 1),
);

/** Two contexts on one Redis under their own prefixes, with the same clock. */
function pair(): [TestContext, string, TestContext, string] {
  const a = uniquePrefix('crash-a');
  const b = uniquePrefix('crash-b');
  return [testContext(redis(), a), a, testContext(redis(), b), b];
}

async function appendBoth(x: TestContext, y: TestContext, samples: Sample[]): Promise<void> {
  await appendSamples(x, samples);
  await appendSamples(y, samples);
}

describe('sealing killed half-way', () => {
  it('does reach the same Redis state as a clean seal when a run dies before its commit', async () => {
    const [crashed, crashedPrefix, clean, cleanPrefix] = pair();
    await appendBoth(crashed, clean, early);
    const untouched = await dumpKeys(redis(), crashedPrefix);
    await expect(sealWindow(crashed, ORG, HOST, T0, { beforeCommit: crash })).rejects.toBeInstanceOf(Crash);
    expect(await dumpKeys(redis(), crashedPrefix)).toEqual(untouched);
    await sealWindow(crashed, ORG, HOST, T0);
    await sealWindow(clean, ORG, HOST, T0);
    expect(await dumpKeys(redis(), crashedPrefix)).toEqual(await dumpKeys(redis(), cleanPrefix));
  });

  it('does reach the same Redis state as a clean merge when a late merge dies before its commit', async () => {
    const [crashed, crashedPrefix, clean, cleanPrefix] = pair();
    await appendBoth(crashed, clean, early);
    await sealWindow(crashed, ORG, HOST, T0);
    await sealWindow(clean, ORG, HOST, T0);
    await appendBoth(crashed, clean, late);
    await expect(sealWindow(crashed, ORG, HOST, T0, { beforeCommit: crash })).rejects.toBeInstanceOf(Crash);
    await sealWindow(crashed, ORG, HOST, T0);
    await sealWindow(clean, ORG, HOST, T0);
    const state = await dumpKeys(redis(), cleanPrefix);
    expect(await dumpKeys(redis(), crashedPrefix)).toEqual(state);
    expect(Object.keys(state).some((key) => key.includes('head:'))).toBe(false);
  });

  it('does change nothing when a finished seal is run again', async () => {
    const ctx = testContext(redis());
    await appendSamples(ctx, early);
    await sealWindow(ctx, ORG, HOST, T0);
    const sealed = await dumpKeys(redis(), ctx.keys.prefix);
    const again = await sealWindow(ctx, ORG, HOST, T0);
    expect(again).toMatchObject({ sealed: false, samples: 0 });
    expect(await dumpKeys(redis(), ctx.keys.prefix)).toEqual(sealed);
  });

  it('does take the host over once the lock expires when a sealer died holding it', async () => {
    const ctx = testContext(redis());
    await appendSamples(ctx, early);
    const dead = await tryLockHost(ctx, ORG, HOST, { ttlMs: 300 });
    expect(dead).toBeDefined();
    const summary = await sealHost(ctx, ORG, HOST, { upTo: ctx.now(), lockWaitMs: 5000 });
    expect(summary).toMatchObject({ windows: 1, samples: early.length });
    expect(await redis().exists(sealLockKey(ctx.keys, ORG, HOST))).toBe(0);
  });

  it('does refuse the commit and write nothing when the lock was lost before it', async () => {
    const ctx = testContext(redis());
    await appendSamples(ctx, early);
    const before = await dumpKeys(redis(), ctx.keys.prefix);
    const stale = await tryLockHost(ctx, ORG, HOST);
    if (!stale) throw new Error('lock not taken');
    // The lock expired and another sealer took it.
    await redis().set(sealLockKey(ctx.keys, ORG, HOST), 'someone-else');
    await expect(sealWindow(ctx, ORG, HOST, T0, { lock: stale })).rejects.toBeInstanceOf(SealLockLostError);
    await stale.release();
    expect(await redis().get(sealLockKey(ctx.keys, ORG, HOST))).toBe('someone-else');
    await redis().del(sealLockKey(ctx.keys, ORG, HOST));
    expect(await dumpKeys(redis(), ctx.keys.prefix)).toEqual(before);
  });
});
