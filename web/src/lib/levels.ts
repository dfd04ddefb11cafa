import { num } from './format.ts';

export type Level = 'ok' | 'warn' | 'crit' | 'none';

/** How close a value is to its threshold: crit at or past it, warn within 15 % of it, ok below. */
export function levelOf(value: unknown, threshold: number): Level {
  const v = num(value);
  if (v === undefined) return 'none';
  if (v >= threshold) return 'crit';
  if (v >= threshold * 0.85) return 'warn';
  return 'ok';
}

export const LEVEL_TEXT: Readonly<Record<Level, string>> = {
  ok: 'normal',
  warn: 'near threshold',
  crit: 'over threshold',
  none: 'no data',
};
