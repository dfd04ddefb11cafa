import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { messageOf } from '../api/client.ts';
import { loadHostSeries } from '../charts/data.ts';
import { alignedFor } from '../charts/fold.ts';
import { stepFor } from '../charts/ranges.ts';
import type { HostSeries } from '../charts/series.ts';
import type { ChartSpec } from '../charts/specs.ts';
import { Notice } from './notice.tsx';
import { TimeChart } from './time-chart.tsx';

/** Chart width in the grid (`.charts`: columns of at least 520 px, 16 px apart). */
function chartWidth(gridWidth: number): number {
  const columns = Math.max(1, Math.floor((gridWidth + 16) / (520 + 16)));
  return (gridWidth - (columns - 1) * 16) / columns;
}

export interface SeriesChartsProps {
  readonly host: string;
  /** Charts to draw; lines whose key the host lacks should already be left out. */
  readonly specs: readonly ChartSpec[];
  /** Span ending now. */
  readonly spanMs: number;
  /** Smallest bucket: the host's collection interval, so sparse series still draw as lines. */
  readonly minStepMs?: number;
  /** Reload every this many ms (the charts follow new collections). */
  readonly refreshMs?: number;
}

/**
 * Stored series of one host over the last `spanMs`, drawn with min/max bands like the host page
 * (three aggregate calls per load; rollups keep min and max).
 */
export function SeriesCharts({ host, specs, spanMs, minStepMs = 0, refreshMs = 60_000 }: SeriesChartsProps) {
  const grid = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [series, setSeries] = useState<HostSeries | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const keys = useMemo(() => [...new Set(specs.flatMap((s) => s.lines.map((l) => l.key)))], [specs]);
  const keyList = keys.join('\n');

  useEffect(() => {
    const el = grid.current;
    if (!el) return undefined;
    const observer = new ResizeObserver(() => setWidth(chartWidth(el.clientWidth)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') setTick((t) => t + 1);
    }, refreshMs);
    return () => window.clearInterval(timer);
  }, [refreshMs]);
  useEffect(() => {
    if (keys.length === 0 || width <= 0) return undefined;
    const controller = new AbortController();
    const to = Date.now();
    const step = Math.max(stepFor(spanMs, width), minStepMs);
    loadHostSeries(host, keys, to - spanMs, to, step, controller.signal).then(
      (s) => {
        setSeries(s);
        setError(undefined);
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setError(messageOf(err));
      },
    );
    return () => controller.abort();
  }, [host, keyList, spanMs, minStepMs, Math.round(width / 100), tick]);

  const data = useMemo(() => (series ? specs.map((spec) => alignedFor(spec, series)) : []), [series, specs]);
  return (
    <>
      {error && <Notice kind="error">Could not load the history: {error}</Notice>}
      <div class="charts" ref={grid}>
        {specs.map((spec, i) => {
          const aligned = data[i];
          return aligned ? (
            <TimeChart
              key={spec.id}
              id={spec.id}
              title={spec.title}
              labels={spec.lines.map((l) => l.label)}
              data={aligned}
              format={spec.format}
              range={spec.range}
              window={{ from: Date.now() - spanMs, to: Date.now(), rolling: true }}
              height={180}
            />
          ) : null;
        })}
      </div>
    </>
  );
}
