/** The ranges the host page offers; `custom` takes its bounds from two inputs. */
export const RANGES = [
  { id: '15m', label: '15 min', ms: 15 * 60_000 },
  { id: '1h', label: '1 h', ms: 3_600_000 },
  { id: '6h', label: '6 h', ms: 6 * 3_600_000 },
  { id: '24h', label: '24 h', ms: 86_400_000 },
  { id: '7d', label: '7 d', ms: 7 * 86_400_000 },
  { id: '30d', label: '30 d', ms: 30 * 86_400_000 },
] as const;

export type RangeId = (typeof RANGES)[number]['id'] | 'custom';

export interface TimeWindow {
  readonly from: number;
  readonly to: number;
  /** Follows the present (live updates extend it); false for custom ranges. */
  readonly rolling: boolean;
}

export function isRangeId(value: string | null): value is RangeId {
  return value === 'custom' || RANGES.some((r) => r.id === value);
}

export function rangeMs(id: RangeId): number | undefined {
  return RANGES.find((r) => r.id === id)?.ms;
}

/**
 * Bucket widths that line up with the storage tiers: below a minute the raw tier, whole minutes the
 * 1-minute rollups, whole hours the 1-hour rollups (which keep min and max, so bands stay honest).
 */
const STEPS = [
  5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000,
  10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

/** The smallest nice step giving at most one bucket per `pixelsPerPoint` pixels of chart width. */
export function stepFor(spanMs: number, widthPx: number, pixelsPerPoint = 1.5): number {
  const points = Math.max(10, Math.floor(widthPx / pixelsPerPoint));
  const raw = spanMs / points;
  return STEPS.find((s) => s >= raw) ?? (STEPS[STEPS.length - 1] as number);
}

/** `datetime-local` input value (viewer's time zone) ↔ epoch ms; invalid input gives undefined. */
export function toInputValue(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromInputValue(value: string): number | undefined {
  if (!value) return undefined;
  const t = new Date(value).getTime();
  return Number.isNaN(t) ? undefined : t;
}
