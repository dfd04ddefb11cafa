import type { AlertStatus, Comparison, Severity, TransitionAction } from '../../../src/alerts/contract.ts';
import { NA, num } from '../lib/format.ts';

/** Words for the alerting enums: shown with colour, never colour alone. */
export const STATUS_TEXT: Readonly<Record<AlertStatus, string>> = {
  pending: 'Pending',
  firing: 'Firing',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
};

export const SEVERITY_TEXT: Readonly<Record<Severity, string>> = {
  critical: 'Critical',
  warning: 'Warning',
};

export const ACTION_TEXT: Readonly<Record<TransitionAction, string>> = {
  pending: 'started (pending)',
  firing: 'fired',
  acknowledged: 'acknowledged',
  unacknowledged: 'unacknowledged',
  'ack-expired': 'acknowledgement expired',
  resolved: 'resolved',
  flapping: 'flapping (held)',
  settled: 'settled',
  silenced: 'silenced',
  unsilenced: 'silence ended',
};

export const COMPARISON_TEXT: Readonly<Record<Comparison, string>> = {
  '>': 'above',
  '>=': 'at or above',
  '<': 'below',
  '<=': 'at or below',
};

/** A measured value: up to three significant decimals, never "NaN". */
export function formatValue(value: unknown): string {
  const v = num(value);
  if (v === undefined) return NA;
  const abs = Math.abs(v);
  if (abs >= 1000 || Number.isInteger(v)) return Math.round(v).toLocaleString('en');
  return String(Number(v.toPrecision(abs >= 1 ? 4 : 3)));
}

/** A duration in ms as "0 s", "90 s", "5 min", "1.5 h", "2 d". */
export function formatMs(ms: unknown): string {
  const v = num(ms);
  if (v === undefined) return NA;
  const s = v / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round((s / 60) * 10) / 10} min`;
  if (s < 172_800) return `${Math.round((s / 3600) * 10) / 10} h`;
  return `${Math.round((s / 86_400) * 10) / 10} d`;
}

/** "5m", "90s", "1h30m", "2d" or plain ms → ms; undefined when it is none of these. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (/^\d+$/.test(t)) return Number(t);
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  let rest = t;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * (units[m[2] ?? ''] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

/** The inverse of parseDuration, for form fields: 300000 → "5m", 0 → "0s". */
export function durationText(ms: number): string {
  if (ms === 0) return '0s';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return String(ms);
}
