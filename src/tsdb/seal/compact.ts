import { createHash } from 'node:crypto';
import { leadingBlockBytes } from '../head-record.ts';
import { loadScript, runScript } from '../lua/scripts.ts';
import type { TsdbContext } from '../options.ts';
import { CorruptPartError } from './encode-jobs.ts';
import { encoderOf } from './encoder.ts';
import { SealCorruptError, SealLockLostError, SealScriptError } from './errors.ts';
import type { SealLock } from './lock.ts';

const compactScript = loadScript('seal-compact-2.lua');

/**
 * Heads of open windows grow by appended records: ~9 bytes per sample (an id and a raw double) plus
 * Redis' APPEND slack, against ~1 byte once sealed. Compaction re-encodes a head's records into one
 * block of the sealed format while the window is still open, so heads stay near sealed density.
 *
 * When: a head is compacted once the records after its leading block are at least twice as large as
 * the block itself (and at least `MIN_TAIL_BYTES`). Records take ~9 times a block's bytes per sample,
 * so the block grows by a fifth or more between compactions: each sample is re-encoded ~6 times over
 * a window (~10 with "as large as the block", which compaction of backfilled data paid for with a
 * fifth of the server's CPU, profile 2026-12-06), and an open head of agent data stays at ~2.2 bytes
 * a sample at worst (1.7 before; `compact.test.ts`).
 */
export const MIN_TAIL_BYTES = 4096;

/** What a head's first bytes and length say about compacting it. */
export function worthCompacting(length: number, prefix: Uint8Array): boolean {
  const block = leadingBlockBytes(prefix);
  if (block === undefined) return false;
  const tail = length - block;
  return tail >= MIN_TAIL_BYTES && tail >= 2 * block;
}

/** Open-window heads of a host that are worth compacting: two reads, pipelined. */
export async function headsToCompact(
  ctx: TsdbContext,
  org: string,
  host: string,
  firstOpenStart: number,
): Promise<number[]> {
  const starts = (
    await ctx.redis.zrangebyscore(ctx.keys.heads(org, host), `(${firstOpenStart - 1}`, '+inf')
  ).map(Number);
  if (starts.length === 0) return [];
  const pipeline = ctx.redis.pipeline();
  for (const start of starts) {
    const head = ctx.keys.head(org, host, start);
    pipeline.strlen(head);
    pipeline.getrangeBuffer(head, 0, 15);
  }
  const replies = (await pipeline.exec()) ?? [];
  return starts.filter((_, i) => {
    const length = Number(replies[2 * i]?.[1] ?? 0);
    const prefix = replies[2 * i + 1]?.[1];
    return Buffer.isBuffer(prefix) && worthCompacting(length, prefix);
  });
}

export interface CompactResult {
  readonly compacted: boolean;
  /** Head bytes before and after (after counts what was appended meanwhile as well). */
  readonly bytesBefore: number;
  readonly bytesAfter: number;
}

/**
 * Compacts one head under the host's seal lock (which keeps sealing, the only other rewriter of heads,
 * away): reads it, encodes its points as one block, and swaps the block in for the bytes read. Writers
 * keep appending meanwhile; the script keeps what they added. Throws SealLockLostError when the lock
 * was lost (the caller stops working on the host).
 */
export async function compactHead(
  ctx: TsdbContext,
  org: string,
  host: string,
  windowStart: number,
  lock: SealLock,
  /** Runs between the read and the swap. Tests append here to race a writer. */
  beforeSwap?: () => Promise<void>,
): Promise<CompactResult> {
  const key = ctx.keys.head(org, host, windowStart);
  const bytes = await ctx.redis.getBuffer(key);
  if (!bytes || bytes.length === 0) return { compacted: false, bytesBefore: 0, bytesAfter: 0 };
  let block: Uint8Array;
  try {
    block = await encoderOf(ctx).compactBlock(bytes);
  } catch (err: unknown) {
    if (err instanceof CorruptPartError) throw new SealCorruptError(key, err);
    throw err;
  }
  const sha = createHash('sha1').update(bytes).digest('hex');
  await beforeSwap?.();
  const code = Number(
    await runScript(
      ctx.redis,
      compactScript,
      [key, lock.key],
      [lock.token, bytes.length, sha, Buffer.from(block.buffer, block.byteOffset, block.byteLength)],
    ),
  );
  if (code === -1) throw new SealLockLostError(lock.key);
  if (code !== 0 && code !== 1) throw new SealScriptError('seal-compact-2.lua', code);
  const after = code === 1 ? await ctx.redis.strlen(key) : bytes.length;
  return { compacted: code === 1, bytesBefore: bytes.length, bytesAfter: after };
}
