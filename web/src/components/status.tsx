import type { HostStatus } from '../api/types.ts';
import { formatPct, num } from '../lib/format.ts';
import { LEVEL_TEXT, type Level, levelOf } from '../lib/levels.ts';

const STATUS_TEXT: Readonly<Record<HostStatus, string>> = { up: 'Up', stale: 'Stale', down: 'Down' };

/** Up / stale / down, in words as well as colour. */
export function StatusBadge({ status }: { readonly status: HostStatus }) {
  return <span class={`badge status-${status}`}>{STATUS_TEXT[status]}</span>;
}

/** A percentage with a bar, coloured against its threshold; the level is spelled out for screen readers. */
export function Meter(props: {
  readonly label: string;
  readonly value: unknown;
  readonly threshold: number;
}) {
  const level: Level = levelOf(props.value, props.threshold);
  const v = num(props.value);
  const width = v === undefined ? 0 : Math.max(0, Math.min(100, v));
  return (
    <div
      class={`meter level-${level}`}
      title={`${props.label}: ${formatPct(v)}, threshold ${props.threshold} %`}
    >
      <span class="meter-value">{formatPct(v)}</span>
      <span class="meter-bar" aria-hidden="true">
        <span class="meter-fill" style={{ width: `${width}%` }} />
      </span>
      <span class="sr-only">
        {props.label} {LEVEL_TEXT[level]}, threshold {props.threshold} %
      </span>
    </div>
  );
}
