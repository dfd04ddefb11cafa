import { describe, expect, it } from 'vitest';
import { openSpool } from './disk-spool.ts';
import { SpoolBusyError, SpoolClosedError, SpoolReplayError } from './errors.ts';
import { makeRecord, range, recordIndex, replayIndices, segmentNames, useTempDirs } from './test-support.ts';

const tempDir = useTempDirs();

describe('replay', () => {
  it('does keep unhandled records and resume from them when the handler throws', async () => {
    const dir = await tempDir();
    // Two records per segment: 8 + 2 * (8 + 100) = 224 bytes.
    const spool = await openSpool({ dir, segmentBytes: 224 });
    await Promise.all(range(0, 10).map((i) => spool.append(makeRecord(i, 100))));
    const handled: number[] = [];
    const failure = await spool
      .replay(async (record) => {
        const index = recordIndex(record);
        if (index === 5) throw new Error('redis went away again');
        handled.push(index);
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SpoolReplayError);
    expect(failure).toMatchObject({
      retryable: true,
      handledRecords: 5,
      cause: { message: 'redis went away again' },
    });
    expect(handled).toEqual(range(0, 5));
    // Segments [0,1] and [2,3] are gone; [4,5] stays whole, so record 4 is handled again (at least once).
    expect(await segmentNames(dir)).toHaveLength(3);
    expect(await replayIndices(spool)).toEqual(range(4, 10));
    expect(spool.isEmpty()).toBe(true);
    await spool.close();
  });

  it('does keep unhandled records across a restart when the handler throws', async () => {
    const dir = await tempDir();
    const spool = await openSpool({ dir, segmentBytes: 224 });
    await Promise.all(range(0, 6).map((i) => spool.append(makeRecord(i, 100))));
    await spool.replay(async () => Promise.reject(new Error('down'))).catch(() => undefined);
    await spool.close();
    const reopened = await openSpool({ dir });
    expect(await replayIndices(reopened)).toEqual(range(0, 6));
    await reopened.close();
  });

  it('does replay appends made during a replay after the older records, in order', async () => {
    const dir = await tempDir();
    const spool = await openSpool({ dir, segmentBytes: 1024, fsyncIntervalMs: 1 });
    await Promise.all(range(0, 50).map((i) => spool.append(makeRecord(i))));
    let next = 50;
    const writes: Promise<void>[] = [];
    const seen: number[] = [];
    const result = await spool.replay(async (record) => {
      seen.push(recordIndex(record));
      // New data keeps arriving while the backlog drains; some of it is awaited, some not.
      if (next < 120) writes.push(spool.append(makeRecord(next++)));
      if (next % 7 === 0 && next < 120) await spool.append(makeRecord(next++));
      await new Promise((resolve) => setImmediate(resolve));
    });
    await Promise.all(writes);
    expect(seen).toEqual(range(0, 120));
    expect(result.records).toBe(120);
    expect(spool.isEmpty()).toBe(true);
    await spool.close();
  });

  it('does include appends still in the group commit window when a replay starts', async () => {
    const spool = await openSpool({ dir: await tempDir(), fsyncIntervalMs: 10_000 });
    const appended = Promise.all(range(0, 3).map((i) => spool.append(makeRecord(i))));
    expect(await replayIndices(spool)).toEqual([0, 1, 2]);
    await appended;
    await spool.close();
  });

  it('does refuse a second replay when one is running', async () => {
    const spool = await openSpool({ dir: await tempDir() });
    await spool.append(makeRecord(0));
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = spool.replay(() => gate);
    await expect(spool.replay(async () => undefined)).rejects.toBeInstanceOf(SpoolBusyError);
    release();
    await expect(first).resolves.toMatchObject({ records: 1 });
    await spool.close();
  });

  it('does stop and keep the segment when the spool is closed mid-replay', async () => {
    const dir = await tempDir();
    const spool = await openSpool({ dir });
    await Promise.all(range(0, 3).map((i) => spool.append(makeRecord(i))));
    const replayed = spool.replay(async () => {
      await spool.close();
    });
    await expect(replayed).rejects.toBeInstanceOf(SpoolClosedError);
    const reopened = await openSpool({ dir });
    expect(await replayIndices(reopened)).toEqual([0, 1, 2]);
    await reopened.close();
  });

  it('does return zero counts when the spool is empty', async () => {
    const spool = await openSpool({ dir: await tempDir() });
    await expect(spool.replay(async () => undefined)).resolves.toEqual({
      records: 0,
      bytes: 0,
      discardedBytes: 0,
    });
    await spool.close();
  });
});
