import type { AlertRule, ObservationState, Reduction } from '../contract.ts';
import { breaches } from '../rules/index.ts';

/** Points of one series, oldest first (the tsdb's `Points` has this shape). */
export interface Window {
  readonly timestamps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

const at = (a: ArrayLike<number>, i: number) => a[i] as number;

/** How much a counter grew over the window; a drop is a reset, counted from 0. */
export function increase(w: Window): number {
  let total = 0;
  for (let i = 1; i < w.values.length; i++) {
    const prev = at(w.values, i - 1);
    const cur = at(w.values, i);
    total += cur >= prev ? cur - prev : cur;
  }
  return total;
}

/** The 95th percentile, nearest rank (as the tsdb's aggregate p95). */
function p95(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const rank = Math.max(0, Math.ceil(0.95 * sorted.length) - 1);
  return sorted[rank] as number;
}

/** The window reduced to one value, or null when it holds no point (`rate` needs two). */
export function reduce(w: Window, reduction: Reduction): number | null {
  const n = w.values.length;
  if (n === 0) return null;
  switch (reduction) {
    case 'avg': {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += at(w.values, i);
      return sum / n;
    }
    case 'max': {
      let m = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < n; i++) m = Math.max(m, at(w.values, i));
      return m;
    }
    case 'min': {
      let m = Number.POSITIVE_INFINITY;
      for (let i = 0; i < n; i++) m = Math.min(m, at(w.values, i));
      return m;
    }
    case 'last':
      return at(w.values, n - 1);
    case 'p95':
      return p95(w.values);
    case 'rate': {
      if (n < 2) return null;
      const seconds = (at(w.timestamps, n - 1) - at(w.timestamps, 0)) / 1000;
      return seconds > 0 ? increase(w) / seconds : null;
    }
  }
}

/** Least-squares line through the window: value ≈ intercept + slope × (t − t0), t in ms. */
export function fitLine(w: Window, t0: number): { slope: number; intercept: number } | undefined {
  const n = w.values.length;
  if (n < 2) return undefined;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += at(w.timestamps, i) - t0;
    sy += at(w.values, i);
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = at(w.timestamps, i) - t0 - mx;
    sxx += dx * dx;
    sxy += dx * (at(w.values, i) - my);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/** Fewest points a predictive rule fits a line through; fewer is `nodata`. */
export const MIN_FIT_POINTS = 3;

/**
 * The predicted value `horizonMs` after `now` from a least-squares fit over the window (Prometheus'
 * `predict_linear`), or null when the window holds fewer than `MIN_FIT_POINTS` points.
 */
export function predict(w: Window, now: number, horizonMs: number): number | null {
  if (w.values.length < MIN_FIT_POINTS) return null;
  const line = fitLine(w, now);
  if (!line) return at(w.values, w.values.length - 1);
  return line.intercept + line.slope * horizonMs;
}

/**
 * The state of a value under a rule: `breaching` past the threshold; `between` past the resolve
 * threshold but not the threshold (a firing alert stays firing); `ok` otherwise; `nodata` for null.
 */
export function judge(value: number | null, rule: AlertRule): ObservationState {
  if (value === null || Number.isNaN(value)) return 'nodata';
  if (breaches(value, rule.comparison, rule.threshold)) return 'breaching';
  const resolve = rule.resolveThreshold;
  if (resolve !== undefined && breaches(value, rule.comparison, resolve)) return 'between';
  return 'ok';
}
