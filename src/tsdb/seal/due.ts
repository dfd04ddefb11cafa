import { WINDOW_MS } from '../layout.ts';
import type { TsdbContext } from '../options.ts';
import { compactHead, headsToCompact } from './compact.ts';
import { SealLockLostError } from './errors.ts';
import { dueToSeal, nextRun } from './growing.ts';
import { listHosts, mapLimit } from './hosts.ts';
import { lockHost, type SealLock, tryLockHost } from './lock.ts';
import { type SealResult, sealWindow } from './window.ts';

/** What sealing did for one host. */
export interface HostSealSummary {
  /** Windows written (new or merged). */
  readonly windows: number;
  /** Heads removed without writing: already gone, or discarded past raw retention. */
  readonly cleared: number;
  /** Head samples moved into sealed windows (replayed duplicates included). */
  readonly samples: number;
  readonly discarded: number;
  readonly bytes: number;
  /** Open-window heads compacted (seal/compact.ts). */
  readonly compacted: number;
  /** Bytes those heads shrank by. */
  readonly compactedBytes: number;
  /** Windows (or whole hosts) that failed; the next run tries them again. */
  readonly failures: readonly HostFailure[];
}

export interface HostFailure {
  readonly org: string;
  readonly host: string;
  /** The window that failed; absent when the host as a whole did (listing, lock). */
  readonly windowStart?: number;
  readonly error: unknown;
}

export interface SealDueSummary extends HostSealSummary {
  readonly hosts: number;
  /** Hosts another runner held the lock of. */
  readonly hostsSkipped: number;
}

export interface RunOptions {
  /** Hosts worked on at once. @defaultValue 4 */
  readonly concurrency?: number;
}

export interface SealOptions extends RunOptions {
  /** Whether open heads are checked for compaction this run (`SweepSchedule`). @defaultValue true */
  readonly compact?: boolean;
}

const EMPTY: HostSealSummary = {
  windows: 0,
  cleared: 0,
  samples: 0,
  discarded: 0,
  bytes: 0,
  compacted: 0,
  compactedBytes: 0,
  failures: [],
};
export const DEFAULT_CONCURRENCY = 4;

/**
 * Seals, under a lock the caller holds, every head window of a host that starts at or before
 * `lastStart`, oldest first, pushing the lock's expiry back after each one. A window that fails (a
 * corrupt head, writers racing) is reported and skipped so it cannot hold back the host's others; a
 * lost lock stops the host, since every further commit would be refused.
 */
export async function sealHeads(
  ctx: TsdbContext,
  org: string,
  host: string,
  lastStart: number,
  lock: SealLock,
  /** Picks the windows to seal this time from the due ones (with their head lengths). */
  pick?: (heads: Array<{ start: number; length: number }>) => number[],
): Promise<HostSealSummary> {
  const listed = (await ctx.redis.zrangebyscore(ctx.keys.heads(org, host), '-inf', lastStart)).map(Number);
  const starts = pick ? pick(await headLengths(ctx, org, host, listed)) : listed;
  let summary = EMPTY;
  for (const start of starts) {
    try {
      summary = add(summary, summaryOf(await sealWindow(ctx, org, host, start, { lock })));
    } catch (error: unknown) {
      if (error instanceof SealLockLostError) throw error;
      summary = add(summary, { ...EMPTY, failures: [{ org, host, windowStart: start, error }] });
    }
    if (!(await lock.extend())) throw new SealLockLostError(lock.key);
  }
  return summary;
}

export interface SealHostOptions {
  /** Seal the windows that end at or before this time (clamped to now: open windows stay heads). */
  readonly upTo: number;
  /** How long to wait for a busy lock. @defaultValue 30 s */
  readonly lockWaitMs?: number;
}

/** Seals what an importer wrote for one host: every closed window ending at or before `upTo`. */
export async function sealHost(
  ctx: TsdbContext,
  org: string,
  host: string,
  options: SealHostOptions,
): Promise<HostSealSummary> {
  const lastStart = Math.min(options.upTo, ctx.now()) - WINDOW_MS;
  const lock = await lockHost(ctx, org, host, { waitMs: options.lockWaitMs ?? 30_000 });
  try {
    return await sealHeads(ctx, org, host, lastStart, lock);
  } finally {
    await lock.release();
  }
}

/**
 * The regular run: for every host written within the raw retention, seals the head windows that closed
 * more than `sealGraceMs` ago, unless one's head is still growing (a backfill filling it: `dueToSeal`
 * puts it off for at most a minute), and compacts the open heads worth it (unless `compact` is false).
 * A host another runner holds is skipped (it is being done).
 */
export async function sealDue(ctx: TsdbContext, options: SealOptions = {}): Promise<SealDueSummary> {
  const now = ctx.now();
  const run = nextRun(ctx);
  const lastStart = now - WINDOW_MS - ctx.options.sealGraceMs;
  const hosts = await listHosts(ctx, now - ctx.options.retentionMs.raw);
  let skipped = 0;
  const results = await mapLimit(hosts, options.concurrency ?? DEFAULT_CONCURRENCY, async ({ org, host }) => {
    try {
      // Cheap reads per idle host; the lock is only taken when there is something to seal or compact.
      const due = await ctx.redis.zcount(ctx.keys.heads(org, host), '-inf', lastStart);
      const compact = options.compact === false ? [] : await headsToCompact(ctx, org, host, lastStart + 1);
      if (due === 0 && compact.length === 0) return EMPTY;
      const lock = await tryLockHost(ctx, org, host);
      if (!lock) {
        skipped++;
        return EMPTY;
      }
      try {
        const pick = (heads: Array<{ start: number; length: number }>) =>
          dueToSeal(ctx, org, host, heads, now, run);
        const sealed = due > 0 ? await sealHeads(ctx, org, host, lastStart, lock, pick) : EMPTY;
        return add(sealed, await compactHeads(ctx, org, host, compact, lock));
      } finally {
        await lock.release();
      }
    } catch (error: unknown) {
      return { ...EMPTY, failures: [{ org, host, error }] };
    }
  });
  return { ...results.reduce(add, EMPTY), hosts: hosts.length, hostsSkipped: skipped };
}

/** The byte length of each listed head, in one round trip. */
async function headLengths(
  ctx: TsdbContext,
  org: string,
  host: string,
  starts: readonly number[],
): Promise<Array<{ start: number; length: number }>> {
  if (starts.length === 0) return [];
  const pipeline = ctx.redis.pipeline();
  for (const start of starts) pipeline.strlen(ctx.keys.head(org, host, start));
  const replies = (await pipeline.exec()) ?? [];
  return starts.map((start, i) => ({ start, length: Number(replies[i]?.[1] ?? 0) }));
}

/** Compacts the given open heads of a host under its lock; a failed head is reported, not fatal. */
async function compactHeads(
  ctx: TsdbContext,
  org: string,
  host: string,
  starts: readonly number[],
  lock: SealLock,
): Promise<HostSealSummary> {
  let summary = EMPTY;
  for (const start of starts) {
    try {
      const r = await compactHead(ctx, org, host, start, lock);
      if (r.compacted)
        summary = add(summary, { ...EMPTY, compacted: 1, compactedBytes: r.bytesBefore - r.bytesAfter });
    } catch (error: unknown) {
      if (error instanceof SealLockLostError) throw error;
      summary = add(summary, { ...EMPTY, failures: [{ org, host, windowStart: start, error }] });
    }
  }
  return summary;
}

function add(a: HostSealSummary, b: HostSealSummary): HostSealSummary {
  return {
    compacted: a.compacted + b.compacted,
    compactedBytes: a.compactedBytes + b.compactedBytes,
    windows: a.windows + b.windows,
    cleared: a.cleared + b.cleared,
    samples: a.samples + b.samples,
    discarded: a.discarded + b.discarded,
    bytes: a.bytes + b.bytes,
    failures: b.failures.length > 0 ? [...a.failures, ...b.failures] : a.failures,
  };
}

function summaryOf(r: SealResult): HostSealSummary {
  return {
    ...EMPTY,
    windows: r.sealed ? 1 : 0,
    cleared: r.sealed ? 0 : 1,
    samples: r.sealed ? r.headSamples : 0,
    discarded: r.discarded,
    bytes: r.bytes,
    failures: [],
  };
}
