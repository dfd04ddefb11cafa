import type { QuietHours, Weekday } from './channel-schema.ts';

const DAY_MS = 86_400_000;
const WEEKDAY_OF: Readonly<Record<string, Weekday>> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
};
const ORDER: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const formats = new Map<string, Intl.DateTimeFormat>();

/** A cached formatter per time zone; throws RangeError for a zone the runtime does not know. */
function formatOf(timezone: string): Intl.DateTimeFormat {
  let format = formats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(timezone, format);
  }
  return format;
}

export function isTimeZone(timezone: string): boolean {
  try {
    formatOf(timezone);
    return true;
  } catch {
    return false;
  }
}

function minutesOf(clock: string): number {
  const [h, m] = clock.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Local weekday and minute of the day at `at` in `timezone`. */
function localClock(at: number, timezone: string): { day: Weekday; minute: number } {
  const parts = formatOf(timezone).formatToParts(new Date(at));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    day: WEEKDAY_OF[get('weekday')] ?? 'mon',
    minute: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

function previous(day: Weekday): Weekday {
  return ORDER[(ORDER.indexOf(day) + 6) % 7] ?? day;
}

/**
 * When the quiet hours that cover `at` end (ms), or undefined when `at` is outside them. A period
 * belongs to the day it starts on (`days`), so Friday 22:00–07:00 covers Saturday 03:00. The end is
 * found by counting local minutes: across a daylight-saving change it may be off by that hour.
 */
export function quietUntil(quiet: QuietHours, at: number): number | undefined {
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return undefined;
  const { day, minute } = localClock(at, quiet.timezone);
  const on = (d: Weekday) => quiet.days === undefined || quiet.days.includes(d);
  const startOfMinute = at - (at % 60_000);
  let minutesLeft: number | undefined;
  if (start < end) {
    if (minute >= start && minute < end && on(day)) minutesLeft = end - minute;
  } else if (minute >= start && on(day)) {
    minutesLeft = 1440 - minute + end;
  } else if (minute < end && on(previous(day))) {
    minutesLeft = end - minute;
  }
  if (minutesLeft === undefined) return undefined;
  return Math.min(startOfMinute + minutesLeft * 60_000, at + DAY_MS);
}
