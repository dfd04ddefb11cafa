import { describe, expect, it } from 'vitest';
import { openSpool } from './disk-spool.ts';
import type { SyncEvent } from './options.ts';
import { makeRecord, range, replayIndices, segmentNames, useTempDirs } from './test-support.ts';

const tempDir = useTempDirs();

describe('group commit', () => {
  it('does share one fdatasync when hundreds of appends arrive in the same window', async () => {
    const syncs: SyncEvent[] = [];
    const spool = await openSpool({ dir: await tempDir(), onSync: (event) => syncs.push(event) });
    // All 300 are queued before the window's timer can fire, so exactly one batch is written.
    await Promise.all(range(0, 300).map((i) => spool.append(makeRecord(i, 1024))));
    expect(syncs).toHaveLength(1);
    expect(syncs[0]?.records).toBe(300);
    expect(await replayIndices(spool)).toEqual(range(0, 300));
    await spool.close();
  });

  it('does sync fewer times than there are appends when callers append continuously', async () => {
    const syncs: SyncEvent[] = [];
    const spool = await openSpool({ dir: await tempDir(), onSync: (event) => syncs.push(event) });
    let next = 0;
    // 50 callers, each appending its next record as soon as the previous one is durable.
    const caller = async (): Promise<void> => {
      while (next < 1000) await spool.append(makeRecord(next++, 256));
    };
    await Promise.all(range(0, 50).map(caller));
    const synced = syncs.reduce((sum, event) => sum + event.records, 0);
    expect(synced).toBe(1000);
    expect(syncs.length).toBeLessThanOrEqual(1000 / 10);
    expect(await replayIndices(spool)).toEqual(range(0, 1000));
    await spool.close();
  });

  it('does still batch concurrent appends when the window is zero', async () => {
    const syncs: SyncEvent[] = [];
    const spool = await openSpool({ dir: await tempDir(), fsyncIntervalMs: 0, onSync: (e) => syncs.push(e) });
    let next = 0;
    const caller = async (): Promise<void> => {
      while (next < 2000) await spool.append(makeRecord(next++, 256));
    };
    await Promise.all(range(0, 50).map(caller));
    expect(syncs.reduce((sum, event) => sum + event.records, 0)).toBe(2000);
    expect(syncs.length).toBeLessThan(2000 / 5);
    expect(await replayIndices(spool)).toEqual(range(0, 2000));
    await spool.close();
  });

  it('does not acknowledge an append before its window has been synced', async () => {
    const syncs: SyncEvent[] = [];
    const spool = await openSpool({ dir: await tempDir(), onSync: (event) => syncs.push(event) });
    let acknowledgedAtSyncCount = -1;
    await spool.append(makeRecord(0)).then(() => {
      acknowledgedAtSyncCount = syncs.length;
    });
    expect(acknowledgedAtSyncCount).toBe(1);
    await spool.close();
  });

  it('does rotate within one batch and sync each segment when the batch overfills a segment', async () => {
    const dir = await tempDir();
    const syncs: SyncEvent[] = [];
    const spool = await openSpool({ dir, segmentBytes: 4096, onSync: (event) => syncs.push(event) });
    await Promise.all(range(0, 40).map((i) => spool.append(makeRecord(i, 1000))));
    const segments = await segmentNames(dir);
    expect(segments.length).toBe(10);
    expect(syncs).toHaveLength(segments.length);
    expect(await replayIndices(spool)).toEqual(range(0, 40));
    await spool.close();
  });

  it('does store a record larger than a segment when it gets a segment of its own', async () => {
    const dir = await tempDir();
    const spool = await openSpool({ dir, segmentBytes: 1024 });
    await spool.append(makeRecord(0, 100));
    await spool.append(makeRecord(1, 5000));
    await spool.append(makeRecord(2, 100));
    expect(await segmentNames(dir)).toHaveLength(3);
    expect(await replayIndices(spool)).toEqual([0, 1, 2]);
    await spool.close();
  });
});
