import { performance } from 'node:perf_hooks';
import type { TsdbContext } from '../options.ts';
import { type HostFailure, type RunOptions, sealDue } from './due.ts';
import { enforceRetention } from './retention.ts';

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

/**
 * One maintenance pass: seal the due windows, then drop what has aged out, and record what was done.
 * Safe to run from several processes at once: each host is worked on under its own lock, and a host
 * another process holds is skipped.
 */
export async function runMaintenance(ctx: TsdbContext, options: RunOptions = {}): Promise<MaintenanceRun> {
  const lastRunAt = ctx.now();
  const started = performance.now();
  const sealed = await sealDue(ctx, options);
  const expired = await enforceRetention(ctx, options);
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
