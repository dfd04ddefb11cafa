/** What every formatter shows for a missing, invalid or non-finite input: never "Invalid Date" or "NaN". */
export const NA = 'N/A';

// No timeZone option: Intl uses the viewer's own time zone.
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/** A valid epoch-ms number, or undefined for null, NaN, strings and dates outside the representable range. */
export function validTime(ms: unknown): number | undefined {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return undefined;
  return Number.isNaN(new Date(ms).getTime()) ? undefined : ms;
}

/** Date and time in the viewer's time zone, or "N/A". */
export function formatDateTime(ms: unknown): string {
  const t = validTime(ms);
  return t === undefined ? NA : dateTime.format(t);
}

/** Time of day (today's times), or the full date and time for older ones, or "N/A". */
export function formatTime(ms: unknown, now = Date.now()): string {
  const t = validTime(ms);
  if (t === undefined) return NA;
  return now - t < 12 * 3_600_000 && t <= now + 60_000 ? timeOnly.format(t) : dateTime.format(t);
}

/** "12 s ago", "3 min ago", "2 h ago", "4 d ago", or "N/A". */
export function formatAgo(ms: unknown, now = Date.now()): string {
  const t = validTime(ms);
  if (t === undefined) return NA;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** A finite number from a wire value (numbers, or "NaN"/"+Inf"/"-Inf" strings), else undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function formatPct(value: unknown): string {
  const v = num(value);
  return v === undefined ? NA : `${v.toFixed(v >= 10 ? 0 : 1)} %`;
}

export function formatNumber(value: unknown, digits = 2): string {
  const v = num(value);
  return v === undefined ? NA : v.toFixed(digits);
}

const UNITS = ['', 'k', 'M', 'G', 'T', 'P'];

/** 1234567 → "1.2 MB/s" style, in powers of 1000 (network rates are decimal). */
export function formatRate(value: unknown, unit = 'B/s'): string {
  const v = num(value);
  if (v === undefined) return NA;
  let i = 0;
  let x = Math.abs(v);
  while (x >= 1000 && i < UNITS.length - 1) {
    x /= 1000;
    i++;
  }
  return `${v < 0 ? '-' : ''}${x.toFixed(x >= 100 || i === 0 ? 0 : 1)} ${UNITS[i]}${unit}`;
}

/** A duration in seconds as "15 min", "1 h", "2 d". */
export function formatSeconds(seconds: unknown): string {
  const s = num(seconds);
  if (s === undefined) return NA;
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${Math.round((s / 3600) * 10) / 10} h`;
  return `${Math.round((s / 86_400) * 10) / 10} d`;
}
