/**
 * Naming, listing, creating and removing segment files. Segments are numbered in append order; the
 * number is the only ordering the spool relies on, so ids are compared as numbers, never as strings.
 */
import { type FileHandle, open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, io, SpoolIoError } from './errors.ts';

const SEGMENT_NAME = /^spool-(\d{6,})\.log$/;

export interface SegmentInfo {
  readonly id: number;
  readonly bytes: number;
}

export function segmentPath(dir: string, id: number): string {
  return join(dir, `spool-${String(id).padStart(6, '0')}.log`);
}

export function parseSegmentId(name: string): number | null {
  const digits = SEGMENT_NAME.exec(name)?.[1];
  return digits === undefined ? null : Number(digits);
}

/** Every segment in `dir`, oldest first, with its size on disk. */
export async function listSegments(dir: string): Promise<SegmentInfo[]> {
  const names = await io('list', dir, () => readdir(dir));
  const ids = names.map(parseSegmentId).filter((id): id is number => id !== null);
  ids.sort((a, b) => a - b);
  return Promise.all(
    ids.map(async (id) => {
      const path = segmentPath(dir, id);
      return { id, bytes: (await io('stat', path, () => stat(path))).size };
    }),
  );
}

/**
 * Creates segment `id`, failing if it exists (the spool never appends to a file it did not create in
 * this run: an older file may end in a torn frame, and records after it would be unreachable).
 * The directory is fsync'd so the new name itself survives a power cut, before any record in it is
 * acknowledged.
 */
export async function createSegment(dir: string, id: number): Promise<FileHandle> {
  const path = segmentPath(dir, id);
  const handle = await io('create', path, () => open(path, 'wx'));
  try {
    await syncDir(dir);
    return handle;
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

export async function syncDir(dir: string): Promise<void> {
  await io('sync directory', dir, async () => {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

/**
 * Deletes a replayed segment. The directory is not fsync'd afterwards: if a crash resurrects the file,
 * its records are replayed again, which the idempotent Redis writes absorb.
 */
export async function removeSegment(dir: string, id: number): Promise<void> {
  const path = segmentPath(dir, id);
  try {
    await unlink(path);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw new SpoolIoError('remove', path, error);
  }
}
