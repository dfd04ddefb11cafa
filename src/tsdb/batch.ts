import { ID_PATTERN } from '../contract/index.ts';
import { SampleRejectedError } from './errors.ts';

/**
 * Samples of one host, as flat columns (no object per sample: the write path runs at a million
 * samples per second). Sample i belongs to series `seriesKeys[series[i]]`.
 */
export interface WriteBatch {
  readonly org: string;
  readonly host: string;
  readonly seriesKeys: readonly string[];
  readonly series: ArrayLike<number>;
  readonly timestamps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

export interface TimeBounds {
  /** Oldest timestamp accepted (older than raw retention is refused). */
  readonly minTimestamp: number;
  /** Newest timestamp accepted (now + allowed skew). */
  readonly maxTimestamp: number;
}

/** Checks every sample; throws SampleRejectedError naming the series and the limit at the first problem. */
export function validateBatch(batch: WriteBatch, bounds: TimeBounds): void {
  if (!ID_PATTERN.test(batch.org)) throw new SampleRejectedError('', `invalid org id "${batch.org}"`);
  if (!ID_PATTERN.test(batch.host)) throw new SampleRejectedError('', `invalid host id "${batch.host}"`);
  const n = batch.timestamps.length;
  if (batch.values.length !== n || batch.series.length !== n) {
    throw new SampleRejectedError('', 'timestamps, values and series columns differ in length');
  }
  for (let i = 0; i < n; i++) {
    const s = batch.series[i] as number;
    const key = batch.seriesKeys[s];
    if (key === undefined)
      throw new SampleRejectedError('', `sample ${i} refers to unknown series index ${s}`);
    const problem = checkSample(key, batch.timestamps[i] as number, batch.values[i], bounds);
    if (problem) throw new SampleRejectedError(key, problem);
  }
}

/** Why one sample cannot be stored, or undefined when it can. */
export function checkSample(key: string, t: number, value: unknown, bounds: TimeBounds): string | undefined {
  if (!Number.isSafeInteger(t) || t < 0)
    return `${key}: timestamp ${t} is not a whole number of ms since 1970`;
  if (t > bounds.maxTimestamp) {
    return `${key}: timestamp ${t} is more than the allowed skew ahead of the server clock (latest accepted ${bounds.maxTimestamp})`;
  }
  if (t < bounds.minTimestamp)
    return `${key}: timestamp ${t} is older than raw retention (oldest accepted ${bounds.minTimestamp})`;
  if (typeof value !== 'number') return `${key}: value is not a number`;
  return undefined;
}

export function batchSize(batches: readonly WriteBatch[]): number {
  return batches.reduce((s, b) => s + b.timestamps.length, 0);
}
