/**
 * A synthetic extension of a real capture to a long span at a coarser step: the captured machine state
 * is replayed in segments of 1–10 minutes, each starting at a random scrape of the capture, so the
 * values are the captured ones, in captured order, without a fixed period a compressor could latch on
 * to. With a 1 s capture and a 5 s step, a step takes every fifth scrape.
 *
 * - Series that never decrease in the capture (counters, clocks) keep growing: each step adds the
 *   increase the capture shows over the same scrapes, rounded to the decimals the series is written
 *   with, so a jump between segments never makes a counter reset.
 * - Other series take the captured values as they are (a segment boundary is a change like any other).
 * - Timestamps are `start + i × step` plus the jitter of the captured scrape (its gap to the previous
 *   scrape less the median gap), cut to ±20 ms: a scraper's scheduling jitter. Longer delays of the
 *   capture (a shell loop on a busy machine, up to a second late) are the capture tool's, not a
 *   scraper's, and are not carried over.
 * - A series absent from the chosen scrape is absent from the step.
 */
import { mulberry32 } from '../dataset.ts';
import { type CaptureColumns, decimalsOf, isMonotonic, medianInterval, type Row } from './columns.ts';

export interface ExtensionOptions {
  /** End of the extension (exclusive), ms. */
  readonly end: number;
  readonly days: number;
  /** @defaultValue 5000 */
  readonly stepMs?: number;
  readonly seed: number;
}

const MIN_SEGMENT_MS = 60_000;
const MAX_SEGMENT_MS = 600_000;
const MAX_JITTER_MS = 20;

export interface Extension {
  readonly start: number;
  readonly steps: number;
  readonly stepMs: number;
  rows(): Generator<Row>;
}

export function extendCapture(capture: CaptureColumns, options: ExtensionOptions): Extension {
  const stepMs = options.stepMs ?? 5000;
  const steps = Math.floor((options.days * 86_400_000) / stepMs);
  const start = options.end - steps * stepMs;
  const interval = medianInterval(capture.timestamps);
  const stride = Math.max(1, Math.round(stepMs / interval));
  const n = capture.timestamps.length;
  const segment = [Math.ceil(MIN_SEGMENT_MS / stepMs), Math.floor(MAX_SEGMENT_MS / stepMs)] as const;
  if (n < stride * (segment[1] + 2))
    throw new Error(`a capture of ${n} scrapes is too short for ${MAX_SEGMENT_MS / 60_000}-minute segments`);
  const monotonic = capture.series.map((_, s) =>
    isMonotonic(col(capture.values, s), col(capture.present, s)),
  );
  const decimals = capture.series.map((_, s) => decimalsOf(col(capture.values, s), col(capture.present, s)));

  function* rows(): Generator<Row> {
    const rnd = mulberry32(options.seed);
    const last = new Float64Array(capture.series.length).fill(Number.NaN);
    let j = 0;
    let left = 0;
    for (let i = 0; i < steps; i++) {
      if (left === 0) {
        left = segment[0] + Math.floor(rnd() * (segment[1] - segment[0] + 1));
        j = stride + Math.floor(rnd() * (n - stride * (left + 1)));
      } else j += stride;
      left--;
      const gap = (capture.timestamps[j] ?? 0) - (capture.timestamps[j - 1] ?? 0);
      const jitter = Math.max(-MAX_JITTER_MS, Math.min(MAX_JITTER_MS, gap - interval));
      const series: number[] = [];
      const values: number[] = [];
      for (let s = 0; s < capture.series.length; s++) {
        if (col(capture.present, s)[j] !== 1) continue;
        const now = col(capture.values, s)[j] ?? 0;
        let v = now;
        if (monotonic[s]) {
          const before =
            col(capture.present, s)[j - stride] === 1 ? (col(capture.values, s)[j - stride] ?? 0) : now;
          const previous = last[s] ?? Number.NaN;
          v = Number.isNaN(previous) ? now : round(previous + Math.max(0, now - before), decimals[s]);
          last[s] = v;
        }
        series.push(s);
        values.push(v);
      }
      yield { timestamp: Math.round(start + i * stepMs + jitter), series, values };
    }
  }
  return { start, steps, stepMs, rows };
}

function col<T>(columns: readonly T[], s: number): T {
  return columns[s] as T;
}

function round(v: number, decimals: number | undefined): number {
  if (decimals === undefined) return v;
  const p = 10 ** decimals;
  return Math.round(v * p) / p;
}
