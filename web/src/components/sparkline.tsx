import { num } from '../lib/format.ts';

export interface SparklineProps {
  readonly values: ReadonlyArray<unknown>;
  readonly label: string;
  /** Fixed scale top, e.g. 100 for percentages; default: the data's maximum. */
  readonly max?: number;
  readonly width?: number;
  readonly height?: number;
}

/** A tiny SVG line of the last values (one polyline: cheap enough for hundreds of rows). */
export function Sparkline({ values, label, max, width = 120, height = 28 }: SparklineProps) {
  const points = values.map(num);
  const finite = points.filter((v): v is number => v !== undefined);
  if (finite.length < 2) return <span class="sparkline-empty">—</span>;
  const top = max ?? Math.max(...finite, 1);
  const step = width / (points.length - 1);
  const path: string[] = [];
  points.forEach((v, i) => {
    if (v === undefined) return;
    const y = height - 1 - (Math.min(v, top) / top) * (height - 2);
    path.push(`${path.length === 0 ? 'M' : 'L'}${(i * step).toFixed(1)},${y.toFixed(1)}`);
  });
  return (
    <svg
      class="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
    >
      <path d={path.join('')} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}
