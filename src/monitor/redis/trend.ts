/** One point of a stored series (ms, value). */
export interface Point {
  readonly timestamp: number;
  readonly value: number;
}

/** A series as read for the performance answer: one point per minute, oldest first. */
export type Trend = readonly Point[];

/** Series over the last hour, by series key. */
export type TrendSet = ReadonlyMap<string, Trend>;

/**
 * How much a counter grew over the points: the sum of its rises, so a restart (the counter falling
 * back to zero) does not count as a huge negative step.
 */
export function counterIncrease(points: Trend): number {
  let total = 0;
  for (let i = 1; i < points.length; i++) {
    const prev = points[i - 1];
    const cur = points[i];
    if (!prev || !cur) continue;
    const step = cur.value - prev.value;
    total += step >= 0 ? step : cur.value;
  }
  return total;
}

/** Minutes between the first and last point (0 with fewer than two). */
export function spanMinutes(points: Trend): number {
  const first = points[0];
  const last = points.at(-1);
  return first && last ? (last.timestamp - first.timestamp) / 60_000 : 0;
}

/** Points with timestamp ≥ `from`. */
export function since(points: Trend, from: number): Trend {
  return points.filter((p) => p.timestamp >= from);
}

/** `HH:MM UTC` of a timestamp. */
export function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

/** Bytes in the largest binary unit that keeps the number ≥ 1: `1.6 GiB`. */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A count or rate for a sentence: at most one decimal, thousands grouped. */
export function amount(n: number): string {
  return (Math.round(n * 10) / 10).toLocaleString('en-US');
}
