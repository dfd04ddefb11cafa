/**
 * One owner per spool directory. Two spools on one directory would be a silent data-loss bug: the second
 * would see the first's active segment as sealed, replay it and delete it while the first still appends
 * acknowledged records to it. The lock file holds the owner's pid; a lock whose process is gone (kill -9)
 * is taken over, so a crash never needs an operator to clean up.
 */
import { randomUUID } from 'node:crypto';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, io, SpoolIoError, SpoolLockedError } from './errors.ts';

export const LOCK_NAME = 'spool.lock';

export interface SpoolLock {
  /** Removes the lock file; safe to call more than once. */
  release(): Promise<void>;
}

export async function acquireLock(dir: string): Promise<SpoolLock> {
  const path = join(dir, LOCK_NAME);
  // Two attempts: the second follows the removal of a stale lock.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    if (await tryCreate(dir, path)) return { release: () => removeIfPresent(path) };
    const holder = await readHolder(path);
    if (holder !== null && isAlive(holder)) throw new SpoolLockedError(dir, holder);
    await removeIfPresent(path);
  }
  throw new SpoolLockedError(dir, null);
}

/**
 * Writes the pid to a private file, then hard-links it into place: `link` fails if the lock exists, so
 * the lock never appears without its pid (which `open('wx')` followed by a write would allow).
 */
async function tryCreate(dir: string, path: string): Promise<boolean> {
  const temp = join(dir, `.${LOCK_NAME}.${process.pid}.${randomUUID()}`);
  await io('write lock', temp, () => writeFile(temp, `${process.pid}\n`));
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw new SpoolIoError('create lock', path, error);
  } finally {
    await removeIfPresent(temp);
  }
}

async function readHolder(path: string): Promise<number | null> {
  try {
    const pid = Number.parseInt(await readFile(path, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw new SpoolIoError('read lock', path, error);
  }
}

/** Signal 0 checks existence without signalling; EPERM means alive but owned by another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw new SpoolIoError('remove', path, error);
  }
}
