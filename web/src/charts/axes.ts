// Chart geometry that does not need uPlot itself, so it is testable without a browser.

/** uPlot's defaults for a y axis: tick length and the gap between ticks and values, in CSS pixels. */
const TICK_PX = 10;
const GAP_PX = 5;
/** Room left of the widest value, so antialiased glyphs never touch the canvas edge. */
const MARGIN_PX = 6;
/** The narrowest y axis, so charts side by side keep roughly aligned plots. */
const MIN_PX = 50;

/** Width of a y axis that shows every value label whole, given a text measurer in CSS pixels. */
export function yAxisWidth(
  values: readonly (string | null)[] | null,
  measure: (text: string) => number,
): number {
  let widest = 0;
  for (const v of values ?? []) if (v) widest = Math.max(widest, measure(v));
  return Math.max(MIN_PX, Math.ceil(TICK_PX + GAP_PX + widest + MARGIN_PX));
}

export interface XWindow {
  readonly from: number;
  readonly to: number;
  /** Ends now: the span slides with the clock. */
  readonly rolling: boolean;
}

/**
 * The x scale of a chart over a chosen window: the whole window, even where data starts later or
 * stops earlier (a 24 h range draws 24 h); data outside it (a bucket starting a little before) widens it.
 */
export function xRange(
  window: XWindow,
  dataMin: number | null,
  dataMax: number | null,
  now: number,
): [number, number] {
  const span = window.to - window.from;
  const to = window.rolling ? Math.max(now, window.to) : window.to;
  const from = to - span;
  return [Math.min(from, dataMin ?? from), Math.max(to, dataMax ?? to)];
}
