import { z } from 'zod';

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** A duration written as `500ms`, `30s`, `5m`, `2h`, `30d`, `5y` or a plain number of ms; parsed to ms. */
export function duration(min = 0) {
  return z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?(ms|s|m|h|d|w|y)?$/, 'expected a duration such as 500ms, 30s, 5m, 2h, 30d or 5y')
    .transform((text) => {
      const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)?$/.exec(text);
      return Math.round(Number(match?.[1]) * (UNITS[match?.[2] ?? 'ms'] ?? 1));
    })
    .pipe(z.number().min(min, `must be at least ${min} ms`));
}
