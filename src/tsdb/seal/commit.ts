import { dayStart } from '../layout.ts';
import { loadScript, runScript } from '../lua/scripts.ts';
import type { TsdbContext } from '../options.ts';
import type { EncodedWindow } from './build.ts';
import { SealScriptError } from './errors.ts';
import { sealLockKey } from './lock.ts';

const sealScript = loadScript('seal-8.lua');

/** One window of one host: where it lives. Every key carries the host's hash tag (one Cluster slot). */
export interface SealTarget {
  readonly org: string;
  readonly host: string;
  readonly windowStart: number;
  readonly head: string;
  readonly window: string;
  readonly lock: string;
  /** KEYS of seal-8.lua, in order. */
  readonly scriptKeys: readonly string[];
}

export function sealTarget(ctx: TsdbContext, org: string, host: string, windowStart: number): SealTarget {
  const { keys } = ctx;
  const head = keys.head(org, host, windowStart);
  const window = keys.window(org, host, windowStart);
  const lock = sealLockKey(keys, org, host);
  const scriptKeys = [
    head,
    window,
    keys.heads(org, host),
    keys.windowIndex(org, host, 'raw'),
    keys.windowIndex(org, host, '1m'),
    keys.hourly(org, host, dayStart(windowStart)),
    keys.hourlyIndex(org, host),
    lock,
  ];
  return { org, host, windowStart, head, window, lock, scriptKeys };
}

/** What seal-8.lua answered: see the header of that file. */
export type CommitOutcome = 'sealed' | 'cleared' | 'head-changed' | 'lock-lost';

const OUTCOMES: Readonly<Record<number, CommitOutcome>> = {
  1: 'sealed',
  2: 'cleared',
  0: 'head-changed',
  [-1]: 'lock-lost',
};

/**
 * Writes the window (or, with `encoded` undefined, only clears the head) if the head still has the
 * length it had when read and, with a token, the lock is still ours.
 */
export async function commitSeal(
  ctx: TsdbContext,
  target: SealTarget,
  headLength: number,
  encoded: EncodedWindow | undefined,
  lockToken: string,
): Promise<CommitOutcome> {
  const args: Array<string | Buffer> = [
    String(headLength),
    String(target.windowStart),
    String(dayStart(target.windowStart)),
    lockToken,
    encoded ? bufferOf(encoded.hourly) : '',
  ];
  for (const [name, value] of encoded?.fields ?? []) args.push(name, bufferOf(value));
  const code = Number(await runScript(ctx.redis, sealScript, target.scriptKeys, args));
  const outcome = OUTCOMES[code];
  if (!outcome) throw new SealScriptError('seal-8.lua', code);
  return outcome;
}

/** A Buffer view of the bytes (no copy): ioredis sends Buffers as binary-safe bulk strings. */
function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
