import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { type XWindow, xRange, yAxisWidth } from '../charts/axes.ts';
import { PALETTE } from '../charts/specs.ts';
import { onThemeChange } from '../lib/theme.ts';

export interface TimeChartProps {
  readonly id: string;
  readonly title: string;
  readonly labels: readonly string[];
  /** x (ms), then per label: average, minimum, maximum. */
  readonly data: uPlot.AlignedData;
  readonly format: (value: unknown) => string;
  readonly range?: readonly [number, number];
  /** The chosen time window: the x axis spans all of it, even where data starts later. */
  readonly window?: XWindow;
  readonly height?: number;
  /** A threshold drawn across the chart as a dashed line (the host's CPU, memory or disk threshold). */
  readonly threshold?: number;
}

/** The axes' font, set explicitly so the y axis can be sized to its widest label. */
const AXIS_FONT = '12px system-ui, sans-serif';
let measurer: CanvasRenderingContext2D | null | undefined;

/** Width of `text` in the axis font, in CSS pixels. */
function textWidth(text: string): number {
  measurer ??= document.createElement('canvas').getContext('2d');
  if (!measurer) return text.length * 8;
  measurer.font = AXIS_FONT;
  return measurer.measureText(text).width;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function options(current: { readonly current: TimeChartProps }, width: number): uPlot.Options {
  const props = current.current;
  const axisColor = cssVar('--muted');
  const grid = { stroke: cssVar('--grid'), width: 1 };
  const axis = { stroke: axisColor, grid, ticks: grid, font: AXIS_FONT };
  const series: uPlot.Series[] = [{ label: 'Time' }];
  const bands: uPlot.Band[] = [];
  props.labels.forEach((label, i) => {
    const color = PALETTE[i % PALETTE.length] ?? '#3b82f6';
    const edge = { stroke: 'transparent', width: 0, points: { show: false }, class: 'u-band-edge' };
    series.push({
      label,
      stroke: color,
      width: 1.5,
      value: (_u, v) => props.format(v),
      // A line needs two points: a series of one or two (a host collected once) shows them as dots.
      points: { show: (u) => u.data[0].length <= 2 },
    });
    series.push({ ...edge, label: `${label} min` }, { ...edge, label: `${label} max` });
    const avg = 1 + i * 3;
    bands.push({ series: [avg + 2, avg + 1], fill: `${color}33` });
  });
  const [lo, hi] = props.range ?? [];
  return {
    width,
    height: props.height ?? 220,
    // Timestamps are ms; uPlot formats them in the viewer's time zone.
    ms: 1,
    series,
    bands,
    axes: [
      axis,
      {
        ...axis,
        // As wide as the widest label (e.g. "12.5 MB/s"), so none is clipped at the left edge.
        size: (_u, values) => yAxisWidth(values, textWidth),
        values: (_u, ticks) => ticks.map((t) => props.format(t)),
      },
    ],
    scales: {
      // Read at every rescale, so a new range or the clock moving on is followed.
      x: {
        time: true,
        range: (_u, min, max) => {
          const w = current.current.window;
          return w ? xRange(w, min, max, Date.now()) : [min, max];
        },
      },
      y: lo !== undefined && hi !== undefined ? { range: (_u, _min, max) => [lo, Math.max(hi, max)] } : {},
    },
    legend: { live: true },
    cursor: { focus: { prox: 16 } },
  };
}

/**
 * A uPlot time chart with min/max bands. Created once per set of lines and theme; new data goes
 * through setData. Each draw is measured (`performance.measure('chart:<id>')`) for the browser tests.
 */
export function TimeChart(props: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | undefined>(undefined);
  const drawStart = useRef<number | undefined>(undefined);
  const propsRef = useRef(props);
  propsRef.current = props;
  const [theme, setTheme] = useState(0);
  useEffect(() => onThemeChange(() => setTheme((n) => n + 1)), []);

  const shape = props.labels.join('\n');
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    drawStart.current = performance.now();
    const opts = options(propsRef, el.clientWidth || 600);
    opts.hooks = {
      draw: [
        (u) => drawThreshold(u, propsRef.current.threshold),
        () => measure(propsRef.current.id, drawStart),
        (u) => showSpan(u, el),
      ],
      ready: [showNewest],
      setData: [showNewest],
      setCursor: [showNewest],
    };
    const u = new uPlot(opts, propsRef.current.data, el);
    chart.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: u.height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      chart.current = undefined;
    };
  }, [shape, theme]);

  useEffect(() => {
    const u = chart.current;
    if (!u || u.data === props.data) return;
    drawStart.current = performance.now();
    u.setData(props.data);
  }, [props.data]);

  return (
    <figure class="chart" aria-labelledby={`chart-${props.id}-title`}>
      <figcaption id={`chart-${props.id}-title`}>{props.title}</figcaption>
      <div
        ref={box}
        class="chart-canvas"
        data-chart={props.id}
        data-points={props.data[0]?.length ?? 0}
        data-threshold={props.threshold}
      />
    </figure>
  );
}

/** Without a cursor on the chart, the legend shows the newest values instead of empty ones. */
function showNewest(u: uPlot): void {
  const last = u.data[0].length - 1;
  if (u.cursor.idx == null && last >= 0) u.setLegend({ idx: last }, false);
}

/** The threshold as a dashed line in the over-threshold colour across the plot (when it is within the y range). */
function drawThreshold(u: uPlot, threshold: number | undefined): void {
  const { min, max } = u.scales.y ?? {};
  if (threshold === undefined || min == null || max == null || threshold < min || threshold > max) return;
  const y = Math.round(u.valToPos(threshold, 'y', true));
  const { ctx, bbox } = u;
  ctx.save();
  ctx.strokeStyle = cssVar('--crit');
  ctx.lineWidth = Math.max(1, devicePixelRatio);
  ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
  ctx.beginPath();
  ctx.moveTo(bbox.left, y);
  ctx.lineTo(bbox.left + bbox.width, y);
  ctx.stroke();
  ctx.restore();
}

/** The drawn x span as data attributes (ms), for the browser tests. */
function showSpan(u: uPlot, el: HTMLElement): void {
  const { min, max } = u.scales.x ?? {};
  if (min == null || max == null) return;
  el.dataset.xMin = String(Math.round(min));
  el.dataset.xMax = String(Math.round(max));
}

/** Records the time from a creation or setData to the end of its draw (resizes are not measured). */
function measure(id: string, start: { current: number | undefined }): void {
  if (start.current === undefined) return;
  performance.measure(`chart:${id}`, { start: start.current, end: performance.now() });
  start.current = undefined;
}
