import { performance } from 'node:perf_hooks';
import type { TsdbContext } from '../options.ts';
import { type HostFailure, type SealOptions, sealDue } from './due.ts';
import { enforceRetention, NO_RETENTION } from './retention.ts';

/** The figures a maintenance run records in the `maintenance()` HASH (all integers). */
const FIGURES = [
  'lastRunAt',
  'durationMs',
  'hosts',
  'hostsSkipped',
  'windowsSealed',
  'samplesSealed',
  'bytesSealed',
  'headsCleared',
  'headsCompacted',
  'bytesCompacted',
  'rawWindowsExpired',
  'minuteWindowsExpired',
  'hourlyDaysExpired',
  'headsDiscarded',
  'samplesDiscarded',
  'hostsForgotten',
  'failures',
] as const;

export type MaintenanceFigures = Readonly<Record<(typeof FIGURES)[number], number>> & {
  /** Message of the first failure of the run, '' when none. */
  readonly lastError: string;
};

export interface MaintenanceRun extends MaintenanceFigures {
  /** Every host or window that failed (the next run retries them). */
  readonly failureDetails: readonly HostFailure[];
}

export interface MaintenanceOptions extends SealOptions {
  /** Whether retention is enforced this run (`SweepSchedule`). @defaultValue true */
  readonly retention?: boolean;
}

/**
 * One maintenance pass: seal the due windows (and compact open heads), then drop what has aged out,
 * and record what was done. Safe to run from several processes at once: each host is worked on under
 * its own lock, and a host another process holds is skipped.
 */
export async function runMaintenance(
  ctx: TsdbContext,
  options: MaintenanceOptions = {},
): Promise<MaintenanceRun> {
  const lastRunAt = ctx.now();
  const started = performance.now();
  const sealed = await sealDue(ctx, options);
  const expired = options.retention === false ? NO_RETENTION : await enforceRetention(ctx, options);
  const failureDetails = [...sealed.failures, ...expired.failures];
  const run: MaintenanceRun = {
    lastRunAt,
    durationMs: Math.round(performance.now() - started),
    hosts: Math.max(sealed.hosts, expired.hosts),
    hostsSkipped: sealed.hostsSkipped + expired.hostsSkipped,
    windowsSealed: sealed.windows,
    samplesSealed: sealed.samples,
    bytesSealed: sealed.bytes,
    headsCleared: sealed.cleared,
    headsCompacted: sealed.compacted,
    bytesCompacted: sealed.compactedBytes,
    rawWindowsExpired: expired.rawExpired,
    minuteWindowsExpired: expired.minuteExpired,
    hourlyDaysExpired: expired.daysExpired,
    headsDiscarded: expired.headsDiscarded,
    samplesDiscarded: sealed.discarded + expired.samplesDiscarded,
    hostsForgotten: expired.hostsForgotten,
    failures: failureDetails.length,
    lastError: messageOf(failureDetails[0]),
    failureDetails,
  };
  await ctx.redis.hset(ctx.keys.maintenance(), recordOf(run));
  return run;
}

/** Head compaction checks, at most this often (see `SweepSchedule`). */
export const COMPACT_EVERY_MS = 10_000;
/** Retention, at most this often (see `SweepSchedule`). */
export const RETENTION_EVERY_MS = 60_000;

/**
 * Which parts of the regular maintenance run are due. Sealing runs every time. The compaction check
 * (per host: the open heads listed, then their lengths and first bytes) and retention (per host: four
 * index reads) ran every run as well; with a short `VITALS_MAINTENANCE_INTERVAL` (1 s in the peer
 * benchmark, to seal windows as soon as they are due) they took ~7 % of the event loop during an ingest
 * load, for work whose outcome moves slowly: retention cuts at window bounds (every 2 hours) and a
 * head of agent data takes about a minute to grow the 4 KiB compaction waits for. So compaction is
 * checked at most every 10 s and retention at most every minute; at the default interval (60 s) every
 * run does all three, as before. A part counts as due from half an interval before its time, so timer
 * jitter cannot push it a whole interval later.
 */
export class SweepSchedule {
  private lastCompact = Number.NEGATIVE_INFINITY;
  private lastRetention = Number.NEGATIVE_INFINITY;

  constructor(private readonly intervalMs: number) {}

  /** The parts due at `now` (a monotonic clock, ms), marked as run. */
  next(now: number): { compact: boolean; retention: boolean } {
    const slack = this.intervalMs / 2;
    const compact = now - this.lastCompact >= COMPACT_EVERY_MS - slack;
    const retention = now - this.lastRetention >= RETENTION_EVERY_MS - slack;
    if (compact) this.lastCompact = now;
    if (retention) this.lastRetention = now;
    return { compact, retention };
  }
}

/** What the last maintenance run recorded, or undefined if none has run against this Redis. */
export async function lastMaintenance(ctx: TsdbContext): Promise<MaintenanceFigures | undefined> {
  const stored = await ctx.redis.hgetall(ctx.keys.maintenance());
  if (stored.lastRunAt === undefined) return undefined;
  const figures = Object.fromEntries(FIGURES.map((name) => [name, Number(stored[name] ?? 0)]));
  return { ...(figures as Record<(typeof FIGURES)[number], number>), lastError: stored.lastError ?? '' };
}

function recordOf(run: MaintenanceRun): Record<string, string> {
  const record: Record<string, string> = { lastError: run.lastError };
  for (const name of FIGURES) record[name] = String(run[name]);
  return record;
}

function messageOf(failure: HostFailure | undefined): string {
  if (!failure) return '';
  const where = failure.windowStart === undefined ? '' : ` window ${failure.windowStart}`;
  const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
  return `${failure.org}:${failure.host}${where}: ${message}`;
}
