/**
 * Below this a timestamp is taken as seconds, from it on as milliseconds: 1e11 ms is March 1973, 1e11 s
 * is the year 5138, so neither reading of a real timestamp crosses it.
 */
export const SECONDS_BELOW = 1e11;

/** A timestamp given in seconds or ms (see `SECONDS_BELOW`) as integer ms since the epoch. */
export function toMs(at: number): number {
  return Math.round(at < SECONDS_BELOW ? at * 1000 : at);
}

/** A ms timestamp as ISO 8601 text, never "Invalid Date" (out-of-range values become null). */
export function isoOf(ms: number | undefined): string | null {
  if (ms === undefined || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return null;
  return new Date(ms).toISOString();
}
