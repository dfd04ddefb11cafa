import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { firstTime, type SeriesWire } from '../api/events.ts';
import { PALETTE } from '../charts/specs.ts';
import { onThemeChange } from '../lib/theme.ts';
import { formatCount, formatMs } from './redis-series.ts';

/**
 * x (bucket start, ms), events/min, errors/min, latency p50 and p95 (ms; null where a bucket had no
 * latency). Counts are scaled to per minute whatever the bucket width.
 */
export function eventData(series: SeriesWire | undefined): uPlot.AlignedData {
  const rows = (series?.buckets ?? [])
    .map((b) => ({ ...b, at: firstTime(b.start, b.time) }))
    .filter((b): b is typeof b & { at: number } => b.at !== undefined)
    .sort((a, b) => a.at - b.at);
  const perMinute = 60_000 / Math.max(1, series?.bucketMs ?? 60_000);
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return [
    rows.map((b) => b.at),
    rows.map((b) => (n(b.events) ?? 0) * perMinute),
    rows.map((b) => (n(b.errors) ?? 0) * perMinute),
    rows.map((b) => n(b.latencyP50)),
    rows.map((b) => n(b.latencyP95)),
  ];
}

/** A y range's top: at least 1, also when a type has no data (uPlot then passes null). */
function upper(max: number | null): number {
  return typeof max === 'number' && Number.isFinite(max) ? Math.max(1, max * 1.1) : 1;
}

/** Latency of a bucket between two without any is no line: those values are drawn as dots. */
const lone: uPlot.Series.Points = { show: true, size: 5, filter: (u, i) => isolated(u.data[i] ?? []) };

function isolated(ys: ArrayLike<number | null | undefined>): number[] {
  const out: number[] = [];
  for (let i = 0; i < ys.length; i++)
    if (ys[i] != null && ys[i - 1] == null && ys[i + 1] == null) out.push(i);
  return out;
}

/** Latency axis ticks, short enough for the axis: "250 ms", "1.5 s", "30 s". */
function axisMs(ms: number): string {
  return ms >= 1000 ? `${formatCount(ms / 1000, 1)} s` : formatMs(ms);
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function options(width: number, range: readonly [number, number]): uPlot.Options {
  const grid = { stroke: cssVar('--grid'), width: 1 };
  const axis = { stroke: cssVar('--muted'), grid, ticks: grid };
  const latency = PALETTE[2] ?? '#10b981';
  const perMin = (_u: uPlot, v: number | null) => (v == null ? 'N/A' : `${formatCount(v, 1)} /min`);
  const ms = (_u: uPlot, v: number | null) => formatMs(v);
  return {
    width,
    height: 200,
    // Timestamps are ms; uPlot formats them in the viewer's time zone.
    ms: 1,
    series: [
      { label: 'Time' },
      { label: 'events', scale: 'n', stroke: cssVar('--accent'), width: 1.5, value: perMin },
      { label: 'errors', scale: 'n', stroke: cssVar('--crit'), width: 1.5, value: perMin },
      { label: 'p50', scale: 'ms', stroke: latency, width: 1, value: ms, points: lone },
      { label: 'p95', scale: 'ms', stroke: latency, width: 1, dash: [4, 3], value: ms, points: lone },
    ],
    // The latency band: between p95 (above) and p50.
    bands: [{ series: [4, 3], fill: `${latency}33` }],
    scales: {
      x: { time: true, range: () => [range[0], range[1]] },
      n: { range: (_u, _min, max) => [0, upper(max)] },
      ms: { range: (_u, _min, max) => [0, upper(max)] },
    },
    axes: [
      axis,
      { ...axis, scale: 'n', size: 60, values: (_u, ticks) => ticks.map((t) => formatCount(t, 2)) },
      {
        ...axis,
        scale: 'ms',
        side: 1,
        size: 70,
        grid: { show: false },
        values: (_u, ticks) => ticks.map(axisMs),
      },
    ],
    legend: { live: true },
    cursor: { focus: { prox: 16 } },
  };
}

export interface EventChartProps {
  readonly id: string;
  readonly title: string;
  readonly data: uPlot.AlignedData;
  /** The x range shown (the picked window), so an idle type still shows its whole range. */
  readonly range: readonly [number, number];
  /** Events in the range (shown to screen readers; read by the browser tests). */
  readonly total: number;
}

/**
 * One type's timeline: events and errors per minute on the left axis, latency p50–p95 as a band on
 * the right. Created once per theme; new data and ranges go through setData / setScale.
 */
export function EventChart(props: EventChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | undefined>(undefined);
  const rangeRef = useRef(props.range);
  rangeRef.current = props.range;
  const dataRef = useRef(props.data);
  dataRef.current = props.data;
  const [theme, setTheme] = useState(0);
  useEffect(() => onThemeChange(() => setTheme((n) => n + 1)), []);

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    // The range is read through the ref, so a rolling window moves without a new chart.
    const opts = options(el.clientWidth || 600, rangeRef.current);
    const x = opts.scales?.x;
    if (x) x.range = () => [rangeRef.current[0], rangeRef.current[1]];
    opts.hooks = { ready: [showNewest], setData: [showNewest], setCursor: [showNewest] };
    const u = new uPlot(opts, dataRef.current, el);
    chart.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: u.height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      chart.current = undefined;
    };
  }, [theme]);

  useEffect(() => {
    // Also for an unchanged data set: a rolling range moves the x scale.
    chart.current?.setData(props.data);
  }, [props.data, props.range[0], props.range[1]]);

  const points = props.data[0]?.length ?? 0;
  return (
    <figure class="chart event-chart" aria-labelledby={`chart-${props.id}-title`}>
      <figcaption id={`chart-${props.id}-title`}>{props.title}</figcaption>
      <div
        ref={box}
        class="chart-canvas"
        data-chart={props.id}
        data-points={points}
        data-events={props.total}
      />
      <p class="sr-only">{props.total.toLocaleString()} events in the range</p>
    </figure>
  );
}

/** Without a cursor on the chart, the legend shows the newest bucket instead of empty values. */
function showNewest(u: uPlot): void {
  const last = u.data[0].length - 1;
  if (u.cursor.idx == null && last >= 0) u.setLegend({ idx: last }, false);
}
