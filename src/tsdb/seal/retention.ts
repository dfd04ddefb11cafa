import { DAY_MS, WINDOW_MS } from '../layout.ts';
import { loadScript, runScript } from '../lua/scripts.ts';
import type { TsdbContext } from '../options.ts';
import { DEFAULT_CONCURRENCY, type HostFailure, type RunOptions, sealHeads } from './due.ts';
import { encoderOf } from './encoder.ts';
import { forgetHost, type IndexedHost, listHosts, mapLimit } from './hosts.ts';
import { type SealLock, tryLockHost } from './lock.ts';

const expireWindowScript = loadScript('seal-expire-window-4.lua');

export interface RetentionSummary {
  readonly hosts: number;
  /** Hosts another runner held the lock of; done next run. */
  readonly hostsSkipped: number;
  /** Windows that lost their raw tier (`t`, `r:*`). */
  readonly rawExpired: number;
  /** Windows that lost their 1m tier (`m:*`; the HASH is gone once no tier is left). */
  readonly minuteExpired: number;
  /** Day HASHes of 1h rollups deleted. */
  readonly daysExpired: number;
  /** Heads of windows that aged out of raw retention before they were sealed, and their samples. */
  readonly headsDiscarded: number;
  readonly samplesDiscarded: number;
  /** Hosts with nothing left, removed from the hosts index with their series ids and latest values. */
  readonly hostsForgotten: number;
  readonly failures: readonly HostFailure[];
}

type Counts = Omit<RetentionSummary, 'hosts' | 'failures'>;

/** The newest window start (raw, 1m), day start (1h) and last-write time that have aged out. */
interface Cutoffs {
  readonly raw: number;
  readonly minute: number;
  readonly day: number;
  readonly idle: number;
}

/** What has aged out for one host. */
interface Aged {
  readonly heads: number;
  readonly raw: ReadonlySet<number>;
  readonly minute: ReadonlySet<number>;
  readonly days: readonly number[];
}

const ZERO: Counts = {
  hostsSkipped: 0,
  rawExpired: 0,
  minuteExpired: 0,
  daysExpired: 0,
  headsDiscarded: 0,
  samplesDiscarded: 0,
  hostsForgotten: 0,
};

/** What a run that skipped retention did (see `SweepSchedule`). */
export const NO_RETENTION: RetentionSummary = { ...ZERO, hosts: 0, failures: [] };

/**
 * Drops what has aged out of each tier, for every host in the hosts index: raw columns of old windows
 * (their 1m rollups stay), whole windows past the 1m retention, day HASHes past the 1h retention, and
 * finally hosts that have nothing left and have not written for a raw-retention span.
 */
export async function enforceRetention(
  ctx: TsdbContext,
  options: RunOptions = {},
): Promise<RetentionSummary> {
  const cut = cutoffs(ctx);
  const hosts = await listHosts(ctx);
  const failures: HostFailure[] = [];
  const results = await mapLimit(hosts, options.concurrency ?? DEFAULT_CONCURRENCY, async (entry) => {
    try {
      return await expireHost(ctx, entry, cut, failures);
    } catch (error: unknown) {
      failures.push({ org: entry.org, host: entry.host, error });
      return ZERO;
    }
  });
  return { ...sumCounts(results), hosts: hosts.length, failures };
}

function sumCounts(results: readonly Counts[]): Counts {
  const sum = { ...ZERO };
  for (const counts of results) {
    for (const name of Object.keys(ZERO) as Array<keyof Counts>) sum[name] += counts[name];
  }
  return sum;
}

function cutoffs(ctx: TsdbContext): Cutoffs {
  const now = ctx.now();
  const ms = ctx.options.retentionMs;
  return {
    raw: now - ms.raw - WINDOW_MS,
    minute: now - ms['1m'] - WINDOW_MS,
    day: now - ms['1h'] - DAY_MS,
    idle: now - ms.raw,
  };
}

async function expireHost(
  ctx: TsdbContext,
  entry: IndexedHost,
  cut: Cutoffs,
  failures: HostFailure[],
): Promise<Counts> {
  const aged = await findAged(ctx, entry, cut);
  const idle = entry.lastWriteMs <= cut.idle;
  const busy = aged.heads + aged.raw.size + aged.minute.size + aged.days.length > 0;
  if (!busy && !idle) return ZERO;
  const lock = await tryLockHost(ctx, entry.org, entry.host);
  if (!lock) return { ...ZERO, hostsSkipped: 1 };
  try {
    return await expireLocked(ctx, entry, { cut, aged, lock, idle, failures });
  } finally {
    await lock.release();
  }
}

interface HostRun {
  readonly cut: Cutoffs;
  readonly aged: Aged;
  readonly lock: SealLock;
  readonly idle: boolean;
  readonly failures: HostFailure[];
}

async function expireLocked(
  ctx: TsdbContext,
  { org, host, lastWriteMs }: IndexedHost,
  { cut, aged, lock, idle, failures }: HostRun,
): Promise<Counts> {
  // sealWindow discards heads of windows past raw retention (their samples cannot be merged any more).
  const heads = aged.heads > 0 ? await sealHeads(ctx, org, host, cut.raw, lock) : undefined;
  failures.push(...(heads?.failures ?? []));
  for (const start of new Set([...aged.raw, ...aged.minute])) {
    const dropRaw = aged.raw.has(start);
    const dropMinute = aged.minute.has(start);
    const whole = dropRaw && !dropMinute ? await wholeRollups(ctx, org, host, start) : [];
    const args = [String(start), dropRaw ? '1' : '0', dropMinute ? '1' : '0', ...whole];
    await runScript(ctx.redis, expireWindowScript, windowKeys(ctx, org, host, start), args);
  }
  for (const day of aged.days) {
    await ctx.redis
      .multi()
      .del(ctx.keys.hourly(org, host, day))
      .zrem(ctx.keys.hourlyIndex(org, host), String(day))
      .exec();
  }
  const forgotten = idle && (await forgetHost(ctx, org, host, lastWriteMs));
  return {
    ...ZERO,
    rawExpired: aged.raw.size,
    minuteExpired: aged.minute.size,
    daysExpired: aged.days.length,
    headsDiscarded: heads?.cleared ?? 0,
    samplesDiscarded: heads?.discarded ?? 0,
    hostsForgotten: forgotten ? 1 : 0,
  };
}

/**
 * The 1-minute tier of a window written whole (min, max and last beside sum and count), from its raw
 * columns, as field, value pairs for the expire script: while raw lives the blocks are lean
 * (`encodeWindow`). Computed in an encoder thread like a seal, with the same arithmetic, so the blocks
 * are those a whole seal would have written. Empty when the window has no raw columns left.
 */
async function wholeRollups(
  ctx: TsdbContext,
  org: string,
  host: string,
  start: number,
): Promise<Array<string | Buffer>> {
  const fields = await ctx.redis.hgetallBuffer(ctx.keys.window(org, host, start));
  if (!fields.t) return [];
  const plan = await encoderOf(ctx).planWindow({
    head: new Uint8Array(0),
    window: fields,
    windowStart: start,
    expired: false,
    wholeRollups: true,
  });
  const out: Array<string | Buffer> = [];
  for (const [name, value] of plan.encoded?.fields ?? []) {
    if (name.startsWith('m:') || name.startsWith('M:'))
      out.push(name, Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return out;
}

/** One pipelined read (all keys share the host's slot) of the aged heads, windows and days. */
async function findAged(ctx: TsdbContext, { org, host }: IndexedHost, cut: Cutoffs): Promise<Aged> {
  const { keys } = ctx;
  const replies = await ctx.redis
    .pipeline()
    .zrangebyscore(keys.heads(org, host), '-inf', cut.raw)
    .zrangebyscore(keys.windowIndex(org, host, 'raw'), '-inf', cut.raw)
    .zrangebyscore(keys.windowIndex(org, host, '1m'), '-inf', cut.minute)
    .zrangebyscore(keys.hourlyIndex(org, host), '-inf', cut.day)
    .exec();
  const [heads, raw, minute, days] = (replies ?? []).map(([err, value]) => {
    if (err) throw err;
    return Array.isArray(value) ? value.map(Number) : [];
  });
  return { heads: heads?.length ?? 0, raw: new Set(raw), minute: new Set(minute), days: days ?? [] };
}

function windowKeys(ctx: TsdbContext, org: string, host: string, start: number): string[] {
  const { keys } = ctx;
  return [
    keys.window(org, host, start),
    keys.windowIndex(org, host, 'raw'),
    keys.windowIndex(org, host, '1m'),
  ];
}
