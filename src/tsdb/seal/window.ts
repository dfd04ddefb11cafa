import { WINDOW_MS } from '../layout.ts';
import type { TsdbContext } from '../options.ts';
import type { EncodedWindow } from './build.ts';
import { commitSeal, type SealTarget, sealTarget } from './commit.ts';
import { CorruptPartError } from './encode-jobs.ts';
import { encoderOf } from './encoder.ts';
import { SealConflictError, SealCorruptError, SealLockLostError, SealScriptError } from './errors.ts';
import { lockHost, type SealLock } from './lock.ts';

export interface SealWindowOptions {
  /** The host's seal lock, when the caller holds it; otherwise sealWindow takes it for this one call. */
  readonly lock?: SealLock;
  /** How long to wait for the lock when sealWindow takes it. @defaultValue 10 s */
  readonly lockWaitMs?: number;
  /** Read-encode-commit rounds while writers keep appending. @defaultValue 5 */
  readonly maxAttempts?: number;
  /** Runs after the read and encode, before the commit. Tests throw here to simulate a crash. */
  readonly beforeCommit?: (attempt: number) => Promise<void>;
}

export interface SealResult {
  /** True when the window HASH was written (false: no head, or its samples were discarded). */
  readonly sealed: boolean;
  readonly series: number;
  /** Points in the sealed window after the merge. */
  readonly samples: number;
  /** Samples decoded from the head, replayed duplicates included. */
  readonly headSamples: number;
  /** Head samples dropped because the window had aged out of raw retention before it was sealed. */
  readonly discarded: number;
  /** Bytes written: window fields and names plus the hourly field. */
  readonly bytes: number;
  readonly attempts: number;
}

const DEFAULT_LOCK_WAIT_MS = 10_000;
const DEFAULT_ATTEMPTS = 5;

/** What one read of a window found, and what committing it would write. */
interface SealPlan {
  readonly headLength: number;
  readonly headSamples: number;
  /** Undefined: only clear the head (absent, or discarded). */
  readonly encoded: EncodedWindow | undefined;
}

/**
 * Seals one window of a host: the head's samples, merged into the already sealed window if any (the head
 * wins a repeated series and timestamp), become the window HASH, its 1m and 1h rollups and index
 * entries, and the head is deleted — in one atomic script, so a crash at any point leaves either the
 * old state or the new one, and a rerun converges on the same bytes.
 */
export async function sealWindow(
  ctx: TsdbContext,
  org: string,
  host: string,
  windowStart: number,
  options: SealWindowOptions = {},
): Promise<SealResult> {
  const target = sealTarget(ctx, org, host, windowStart);
  if (options.lock) return sealLocked(ctx, target, options.lock.token, options);
  const lock = await lockHost(ctx, org, host, { waitMs: options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS });
  try {
    return await sealLocked(ctx, target, lock.token, options);
  } finally {
    await lock.release();
  }
}

async function sealLocked(
  ctx: TsdbContext,
  target: SealTarget,
  token: string,
  options: SealWindowOptions,
): Promise<SealResult> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_ATTEMPTS;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const plan = await planSeal(ctx, target, ...(await readWindow(ctx, target)));
    await options.beforeCommit?.(attempt);
    const outcome = await commitSeal(ctx, target, plan.headLength, plan.encoded, token);
    if (outcome === 'lock-lost') throw new SealLockLostError(target.lock);
    // head-changed: a writer appended after the read; read again so its samples are included.
    if (outcome !== 'head-changed') return resultOf(plan, attempt, outcome === 'sealed');
  }
  throw new SealConflictError(target.head, maxAttempts);
}

/** Head and sealed window in one MULTI, so they are a consistent snapshot. */
async function readWindow(
  ctx: TsdbContext,
  target: SealTarget,
): Promise<[Buffer | null, Record<string, Buffer>]> {
  const replies = await ctx.redis.multi().getBuffer(target.head).hgetallBuffer(target.window).exec();
  // Null only for a WATCH abort, which this MULTI never sets up; reading it as "no head" would be wrong.
  if (!replies) throw new SealScriptError('MULTI GET/HGETALL', replies);
  const [head, window] = replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
  return [Buffer.isBuffer(head) ? head : null, isFieldMap(window) ? window : {}];
}

function isFieldMap(value: unknown): value is Record<string, Buffer> {
  return typeof value === 'object' && value !== null && !Buffer.isBuffer(value);
}

async function planSeal(
  ctx: TsdbContext,
  target: SealTarget,
  headBytes: Buffer | null,
  window: Record<string, Buffer>,
): Promise<SealPlan> {
  if (!headBytes) return { headLength: 0, headSamples: 0, encoded: undefined };
  const job = {
    head: headBytes,
    window,
    windowStart: target.windowStart,
    expired: rawExpired(ctx, target.windowStart),
  };
  try {
    return { headLength: headBytes.length, ...(await encoderOf(ctx).planWindow(job)) };
  } catch (err: unknown) {
    if (err instanceof CorruptPartError)
      throw new SealCorruptError(err.part === 'head' ? target.head : target.window, err);
    throw err;
  }
}

function rawExpired(ctx: TsdbContext, windowStart: number): boolean {
  return windowStart + WINDOW_MS <= ctx.now() - ctx.options.retentionMs.raw;
}

function resultOf(plan: SealPlan, attempts: number, sealed: boolean): SealResult {
  const encoded = sealed ? plan.encoded : undefined;
  return {
    sealed: encoded !== undefined,
    series: encoded?.series ?? 0,
    samples: encoded?.samples ?? 0,
    headSamples: plan.headSamples,
    discarded: encoded ? 0 : plan.headSamples,
    bytes: encoded?.bytes ?? 0,
    attempts,
  };
}
