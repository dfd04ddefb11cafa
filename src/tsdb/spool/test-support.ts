/**
 * Helpers shared by the spool tests: real temporary directories (removed after each test) and records
 * that carry their own index, so a test can check both order and content of what a replay returns.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Spool } from './types.ts';

/** A fresh directory per call, removed after the current test. */
export function useTempDirs(): () => Promise<string> {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vitals-spool-'));
    dirs.push(dir);
    return dir;
  };
}

/** `bytes` long (at least 4): the index as u32le, then a fill derived from it. */
export function makeRecord(index: number, bytes = 64): Uint8Array {
  const record = Buffer.alloc(Math.max(4, bytes), index % 251);
  record.writeUInt32LE(index, 0);
  return record;
}

/** The index of a record made by `makeRecord`; throws if the fill does not match (a misread record). */
export function recordIndex(record: Uint8Array): number {
  const buffer = Buffer.from(record.buffer, record.byteOffset, record.byteLength);
  const index = buffer.readUInt32LE(0);
  if (buffer.subarray(4).some((byte) => byte !== index % 251)) throw new Error(`record ${index} is corrupt`);
  return index;
}

/** Replays everything and returns the indices seen, in order. */
export async function replayIndices(spool: Spool): Promise<number[]> {
  const seen: number[] = [];
  await spool.replay(async (record) => {
    seen.push(recordIndex(record));
  });
  return seen;
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

export async function segmentNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('spool-')).sort();
}
