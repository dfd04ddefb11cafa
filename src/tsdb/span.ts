import { RangeTooLongError } from './errors.ts';
import { DAY_MS } from './layout.ts';

/** A bound on `to − from` of one request, with what sets it (the refusal names it). */
export interface SpanLimit {
  readonly maxMs: number;
  /** E.g. `raw retention (VITALS_RETENTION_RAW)`. */
  readonly name: string;
}

/**
 * Refuses a range [from, to] longer than the tightest of `limits` with a `RangeTooLongError` (a 400
 * naming the bound), before anything is read: the work of a query or an export grows with its span.
 */
export function checkSpan(from: number, to: number, limits: readonly SpanLimit[]): void {
  const tightest = limits.reduce<SpanLimit | undefined>(
    (a, b) => (a && a.maxMs <= b.maxMs ? a : b),
    undefined,
  );
  if (!tightest || to - from <= tightest.maxMs) return;
  throw new RangeTooLongError(
    tightest.name,
    tightest.maxMs,
    `startTime…endTime spans ${human(to - from)}; at most ${human(tightest.maxMs)} per request (${tightest.name})`,
  );
}

/** `31 d`, `2.5 h`, `90 s`: whole days when the span is that long, for people reading a refusal. */
function human(ms: number): string {
  const units: Array<[number, string]> = [
    [DAY_MS, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size) return `${Number((ms / size).toFixed(2)).toLocaleString('en-US')} ${unit}`;
  }
  return `${ms} ms`;
}
