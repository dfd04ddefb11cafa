import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import { sourceKeys } from '../../../src/contract/derive.ts';
import { type DerivedLine, withDerived } from './derive.ts';
import { alignedFor } from './fold.ts';
import type { TimeWindow } from './ranges.ts';
import type { HostSeries } from './series.ts';
import type { ChartSpec } from './specs.ts';
import { useHostSeries } from './use-host-series.ts';

export interface ChartData {
  /** The loaded series, derived lines computed. */
  readonly series: HostSeries | undefined;
  /** The charts to draw with their uPlot data (a chart of derived lines without any value is left out). */
  readonly charts: ReadonlyArray<{ readonly spec: ChartSpec; readonly data: uPlot.AlignedData }>;
  readonly error: string | undefined;
}

/** The series `specs` draw: stored lines' own keys, and the keys derived lines are computed from. */
export function keysOf(specs: readonly ChartSpec[]): string[] {
  return [
    ...new Set(specs.flatMap((s) => s.lines.flatMap((l) => (l.source ? sourceKeys(l.source) : [l.key])))),
  ];
}

function empty(spec: ChartSpec, data: uPlot.AlignedData): boolean {
  const columns = data.slice(1) as ReadonlyArray<ArrayLike<number | null | undefined>>;
  return spec.lines.every((l) => l.source) && columns.every((c) => Array.from(c).every((v) => v == null));
}

/** Loads what `specs` draw over `window` (following the live stream) and computes their derived lines. */
export function useChartData(
  host: string,
  specs: readonly ChartSpec[],
  window: TimeWindow,
  width: number,
  minStepMs = 0,
): ChartData {
  const keys = useMemo(() => keysOf(specs), [specs]);
  const derived = useMemo(
    () =>
      specs.flatMap((s) =>
        s.lines.flatMap((l): DerivedLine[] => (l.source ? [{ key: l.key, source: l.source }] : [])),
      ),
    [specs],
  );
  const loaded = useHostSeries(host, keys, window, width, minStepMs);
  const series = useMemo(
    () => loaded.series && withDerived(loaded.series, derived),
    [loaded.series, derived],
  );
  const charts = useMemo(() => {
    if (!series) return [];
    return specs
      .map((spec) => ({ spec, data: alignedFor(spec, series) }))
      .filter((c) => !empty(c.spec, c.data));
  }, [series, specs]);
  return { series, charts, error: loaded.error };
}
