import { randomBytes } from 'node:crypto';
import type { Keys } from '../../redis/index.ts';
import { loadScript, runScript } from '../lua/scripts.ts';
import type { TsdbContext } from '../options.ts';
import { SealLockedError } from './errors.ts';

const unlockScript = loadScript('seal-unlock-1.lua');
const extendScript = loadScript('seal-extend-1.lua');

/** Long enough for a host's run; a crashed runner blocks the host at most this long. @defaultValue 60 s */
export const SEAL_LOCK_TTL_MS = 60_000;
const POLL_MS = 50;

/** The lock key of one host; it shares the host's hash tag so the seal script can check it. */
export function sealLockKey(keys: Keys, org: string, host: string): string {
  return keys.sealLock(org, host);
}

/** A held lock. `release` is safe to call twice and never frees a lock another sealer took over. */
export interface SealLock {
  readonly key: string;
  readonly token: string;
  /** Pushes the expiry back; false when the lock was lost. */
  extend(): Promise<boolean>;
  release(): Promise<void>;
}

export interface LockOptions {
  /** How long to wait for a busy lock; 0 gives up at once. @defaultValue 0 */
  readonly waitMs?: number;
  /** @defaultValue {@link SEAL_LOCK_TTL_MS} */
  readonly ttlMs?: number;
}

/** Takes the host's seal lock, or returns undefined if it is still held after `waitMs`. */
export async function tryLockHost(
  ctx: TsdbContext,
  org: string,
  host: string,
  options: LockOptions = {},
): Promise<SealLock | undefined> {
  const key = sealLockKey(ctx.keys, org, host);
  const token = randomBytes(12).toString('hex');
  const ttlMs = options.ttlMs ?? SEAL_LOCK_TTL_MS;
  // Real time, not ctx.now: the wait is about this process, not about the data's clock.
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    if ((await ctx.redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK')
      return heldLock(ctx, key, token, ttlMs);
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Like {@link tryLockHost} but throws {@link SealLockedError} when the lock stays busy. */
export async function lockHost(
  ctx: TsdbContext,
  org: string,
  host: string,
  options: LockOptions = {},
): Promise<SealLock> {
  const lock = await tryLockHost(ctx, org, host, options);
  if (!lock) throw new SealLockedError(sealLockKey(ctx.keys, org, host), options.waitMs ?? 0);
  return lock;
}

function heldLock(ctx: TsdbContext, key: string, token: string, ttlMs: number): SealLock {
  let released: Promise<void> | undefined;
  return {
    key,
    token,
    extend: async () => (await runScript(ctx.redis, extendScript, [key], [token, ttlMs])) === 1,
    release: () => {
      released ??= runScript(ctx.redis, unlockScript, [key], [token]).then(() => undefined);
      return released;
    },
  };
}
