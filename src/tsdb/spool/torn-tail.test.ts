import { appendFile, open, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSpool } from './disk-spool.ts';
import { FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES } from './frame.ts';
import { segmentPath } from './segment-files.ts';
import { makeRecord, range, recordIndex, segmentNames, useTempDirs } from './test-support.ts';
import type { ReplayResult } from './types.ts';

const tempDir = useTempDirs();
const RECORD_BYTES = 100;
const FRAME = FRAME_HEADER_BYTES + RECORD_BYTES;

/** Writes `count` records into one segment (id 1) of a closed spool in a fresh directory. */
async function spoolWith(count: number): Promise<{ dir: string; path: string }> {
  const dir = await tempDir();
  const spool = await openSpool({ dir });
  await Promise.all(range(0, count).map((i) => spool.append(makeRecord(i, RECORD_BYTES))));
  await spool.close();
  return { dir, path: segmentPath(dir, 1) };
}

async function replayDir(dir: string): Promise<{ indices: number[]; result: ReplayResult }> {
  const spool = await openSpool({ dir });
  const indices: number[] = [];
  const result = await spool.replay(async (record) => {
    indices.push(recordIndex(record));
  });
  await spool.close();
  return { indices, result };
}

async function overwrite(path: string, position: number, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'r+');
  await handle.write(bytes, 0, bytes.length, position);
  await handle.close();
}

describe('torn and corrupt segments', () => {
  it('does keep the valid prefix when the file is truncated mid-record', async () => {
    const { dir, path } = await spoolWith(10);
    await truncate(path, SEGMENT_HEADER_BYTES + 7 * FRAME + 30);
    const { indices, result } = await replayDir(dir);
    expect(indices).toEqual(range(0, 7));
    expect(result).toMatchObject({ records: 7, bytes: 7 * RECORD_BYTES, discardedBytes: 30 });
    expect(await segmentNames(dir)).toEqual([]);
  });

  it('does keep the valid prefix when the file is truncated inside a frame header', async () => {
    const { dir, path } = await spoolWith(10);
    await truncate(path, SEGMENT_HEADER_BYTES + 4 * FRAME + 5);
    expect((await replayDir(dir)).indices).toEqual(range(0, 4));
  });

  it('does ignore garbage when it is appended after the last record', async () => {
    const { dir, path } = await spoolWith(5);
    await appendFile(path, Buffer.from('\x10\x00\x00\x00garbage that is not a frame'));
    const { indices, result } = await replayDir(dir);
    expect(indices).toEqual(range(0, 5));
    expect(result.discardedBytes).toBe(31);
  });

  it('does ignore a zero-filled tail when the file system extended the file before the data landed', async () => {
    const { dir, path } = await spoolWith(5);
    await appendFile(path, Buffer.alloc(4096));
    expect((await replayDir(dir)).indices).toEqual(range(0, 5));
  });

  it('does stop at a record when its checksum does not match', async () => {
    const { dir, path } = await spoolWith(6);
    // Flip one payload byte of record 3 (past its index, inside the fill).
    await overwrite(path, SEGMENT_HEADER_BYTES + 3 * FRAME + FRAME_HEADER_BYTES + 50, Buffer.from([0xee]));
    const { indices, result } = await replayDir(dir);
    expect(indices).toEqual(range(0, 3));
    expect(result.discardedBytes).toBe(3 * FRAME);
  });

  it('does stop at a record when its length field is corrupt', async () => {
    const { dir, path } = await spoolWith(6);
    await overwrite(path, SEGMENT_HEADER_BYTES + 2 * FRAME, Buffer.from([0x20, 0, 0, 0]));
    expect((await replayDir(dir)).indices).toEqual(range(0, 2));
  });

  it('does continue with the next segment when an earlier one ends torn', async () => {
    const { dir, path } = await spoolWith(5);
    await truncate(path, (await stat(path)).size - 1);
    const spool = await openSpool({ dir });
    await Promise.all(range(5, 9).map((i) => spool.append(makeRecord(i, RECORD_BYTES))));
    await spool.close();
    expect((await replayDir(dir)).indices).toEqual([0, 1, 2, 3, 5, 6, 7, 8]);
  });

  it('does discard a segment when its header is missing or foreign', async () => {
    const dir = await tempDir();
    await writeFile(segmentPath(dir, 1), '');
    await writeFile(segmentPath(dir, 2), 'NOTASPOOLFILE');
    await writeFile(join(dir, 'unrelated.txt'), 'left alone');
    const { indices, result } = await replayDir(dir);
    expect(indices).toEqual([]);
    expect(result.discardedBytes).toBe(13);
    expect(await segmentNames(dir)).toEqual([]);
    expect((await stat(join(dir, 'unrelated.txt'))).size).toBe(10);
  });
});
