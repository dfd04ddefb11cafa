import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSpool } from './disk-spool.ts';
import {
  SpoolClosedError,
  SpoolConfigError,
  SpoolFullError,
  SpoolIoError,
  SpoolLockedError,
} from './errors.ts';
import { SEGMENT_HEADER_BYTES } from './frame.ts';
import { LOCK_NAME } from './lock.ts';
import { makeRecord, range, replayIndices, segmentNames, useTempDirs } from './test-support.ts';

const tempDir = useTempDirs();

describe('DiskSpool', () => {
  it('does create the directory when it is missing', async () => {
    const dir = join(await tempDir(), 'nested', 'spool');
    const spool = await openSpool({ dir });
    expect((await stat(dir)).isDirectory()).toBe(true);
    expect(spool.isEmpty()).toBe(true);
    await spool.close();
  });

  it('does replay records in append order when they span several segments', async () => {
    const dir = await tempDir();
    const spool = await openSpool({ dir, segmentBytes: 1024 });
    await Promise.all(range(0, 200).map((i) => spool.append(makeRecord(i, 40 + (i % 50)))));
    expect((await segmentNames(dir)).length).toBeGreaterThan(5);
    expect(await replayIndices(spool)).toEqual(range(0, 200));
    expect(await segmentNames(dir)).toEqual([]);
    expect(spool.size()).toBe(0);
    expect(spool.isEmpty()).toBe(true);
    await spool.close();
  });

  it('does find the old segments when a new spool opens the same directory', async () => {
    const dir = await tempDir();
    const first = await openSpool({ dir, segmentBytes: 512 });
    for (const i of range(0, 30)) await first.append(makeRecord(i));
    await first.close();
    const second = await openSpool({ dir, segmentBytes: 512 });
    expect(second.isEmpty()).toBe(false);
    await Promise.all(range(30, 40).map((i) => second.append(makeRecord(i))));
    expect(await replayIndices(second)).toEqual(range(0, 40));
    await second.close();
  });

  it('does track bytes on disk when records are appended and replayed', async () => {
    const dir = await tempDir();
    const spool = await openSpool({ dir, segmentBytes: 300 });
    await Promise.all(range(0, 10).map((i) => spool.append(makeRecord(i, 100))));
    const onDisk = await Promise.all(
      (await segmentNames(dir)).map(async (name) => (await stat(join(dir, name))).size),
    );
    expect(spool.size()).toBe(onDisk.reduce((a, b) => a + b, 0));
    await replayIndices(spool);
    expect(spool.size()).toBe(0);
    await spool.close();
  });

  it('does reject with SpoolFullError and write nothing when the cap would be passed', async () => {
    const dir = await tempDir();
    // One segment header and three 100-byte records with their 8-byte frames, plus the segment header
    // an append reserves while pending (it might be the one that starts a segment).
    const maxBytes = SEGMENT_HEADER_BYTES + 3 * 108 + SEGMENT_HEADER_BYTES;
    const spool = await openSpool({ dir, maxBytes });
    for (const i of range(0, 3)) await spool.append(makeRecord(i, 100));
    expect(spool.size()).toBe(SEGMENT_HEADER_BYTES + 3 * 108);
    const before = spool.size();
    const full = await spool.append(makeRecord(3, 100)).catch((error: unknown) => error);
    expect(full).toBeInstanceOf(SpoolFullError);
    expect(full).toMatchObject({ retryable: true, maxBytes });
    expect(String(full)).toContain(String(maxBytes));
    expect(spool.size()).toBe(before);
    expect(spool.size()).toBeLessThanOrEqual(maxBytes);
    expect(await replayIndices(spool)).toEqual([0, 1, 2]);
    await expect(spool.append(makeRecord(4, 100))).resolves.toBeUndefined();
    await spool.close();
  });

  it('does count pending appends against the cap when many arrive at once', async () => {
    const dir = await tempDir();
    const spool = await openSpool({ dir, maxBytes: 10_000 });
    const outcomes = await Promise.allSettled(range(0, 200).map((i) => spool.append(makeRecord(i, 100))));
    const accepted = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
    expect(accepted).toBeGreaterThan(50);
    expect(accepted).toBeLessThan(200);
    expect(spool.size()).toBeLessThanOrEqual(10_000);
    expect(await replayIndices(spool)).toEqual(range(0, accepted));
    await spool.close();
  });

  it('does reject appends and replays when the spool is closed, and closes twice safely', async () => {
    const spool = await openSpool({ dir: await tempDir() });
    await spool.close();
    await spool.close();
    await expect(spool.append(makeRecord(0))).rejects.toBeInstanceOf(SpoolClosedError);
    await expect(spool.replay(async () => undefined)).rejects.toBeInstanceOf(SpoolClosedError);
  });

  it('does make pending appends durable when closed within the group commit window', async () => {
    const dir = await tempDir();
    const spool = await openSpool({ dir, fsyncIntervalMs: 10_000 });
    const appended = Promise.all(range(0, 5).map((i) => spool.append(makeRecord(i))));
    await spool.close();
    await appended;
    const reopened = await openSpool({ dir });
    expect(await replayIndices(reopened)).toEqual(range(0, 5));
    await reopened.close();
  });

  it('does refuse a second owner when the directory is locked by a live process', async () => {
    const dir = await tempDir();
    const spool = await openSpool({ dir });
    await expect(openSpool({ dir })).rejects.toBeInstanceOf(SpoolLockedError);
    await spool.close();
    const again = await openSpool({ dir });
    await again.close();
  });

  it('does take over the lock when its holder is gone', async () => {
    const dir = await tempDir();
    // Pid 2^22 + 1 is above Linux's pid_max ceiling, so no process can hold it.
    await writeFile(join(dir, LOCK_NAME), `${2 ** 22 + 1}\n`);
    const spool = await openSpool({ dir });
    expect(await readFile(join(dir, LOCK_NAME), 'utf8')).toBe(`${process.pid}\n`);
    await spool.close();
  });

  it('does reject with SpoolIoError and recover when the directory disappears', async () => {
    const dir = await tempDir();
    const spool = await openSpool({ dir, fsyncIntervalMs: 0 });
    await rm(dir, { recursive: true });
    const failure = await spool.append(makeRecord(0)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SpoolIoError);
    expect(failure).toMatchObject({ retryable: true });
    expect(spool.isEmpty()).toBe(true);
    await mkdir(dir);
    await spool.append(makeRecord(1));
    expect(await replayIndices(spool)).toEqual([1]);
    await spool.close();
  });

  it('does list every problem when options are invalid', async () => {
    const failure = await openSpool({ dir: '', maxBytes: -1, fsyncIntervalMs: Number.NaN }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SpoolConfigError);
    expect(failure).toMatchObject({
      retryable: false,
      problems: [
        expect.stringContaining('dir'),
        expect.stringContaining('maxBytes'),
        expect.stringContaining('fsync'),
      ],
    });
  });
});
