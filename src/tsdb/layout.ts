/**
 * Storage geometry, as data. A host's samples are grouped into fixed windows: appended to a head while
 * the window is open, sealed into compressed columns once it closed (after a grace period for late
 * samples). Two hours holds 1,440 points of a 5-second series: enough to amortise Redis' per-field
 * overhead (~60 B) to ~0.04 B/sample, small enough that the head stays a few hundred KB per host.
 */
export const WINDOW_MS = 2 * 60 * 60 * 1000;
export const DAY_MS = 24 * 60 * 60 * 1000;

export type Tier = 'raw' | '1m' | '1h';

export interface TierSpec {
  readonly tier: Tier;
  /** Bucket width; 0 for raw samples. */
  readonly stepMs: number;
  /** Default retention, overridable by configuration. */
  readonly defaultRetentionMs: number;
}

/** Rollup tiers keep min, max, sum, count and last per bucket, so spikes survive downsampling. */
export const TIERS: readonly TierSpec[] = [
  { tier: 'raw', stepMs: 0, defaultRetentionMs: 30 * DAY_MS },
  { tier: '1m', stepMs: 60_000, defaultRetentionMs: 180 * DAY_MS },
  { tier: '1h', stepMs: 3_600_000, defaultRetentionMs: 5 * 365 * DAY_MS },
];

export function windowStart(timestamp: number): number {
  return timestamp - mod(timestamp, WINDOW_MS);
}

export function dayStart(timestamp: number): number {
  return timestamp - mod(timestamp, DAY_MS);
}

export function bucketStart(timestamp: number, stepMs: number): number {
  return timestamp - mod(timestamp, stepMs);
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** Window starts overlapping [from, to], oldest first. */
export function windowsBetween(from: number, to: number): number[] {
  const out: number[] = [];
  for (let w = windowStart(from); w <= to; w += WINDOW_MS) out.push(w);
  return out;
}
