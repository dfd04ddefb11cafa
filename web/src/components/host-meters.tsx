import type { Thresholds } from '../api/types.ts';
import { meterItems } from '../charts/meters.ts';
import type { HostSeries } from '../charts/series.ts';
import type { ChartSpec } from '../charts/specs.ts';
import { Meter } from './status.tsx';
import '../styles/host.css';

/** The host's newest CPU, memory and disk figures against its thresholds, as on the overview. */
export function HostMeters(props: {
  readonly specs: readonly ChartSpec[];
  readonly series: HostSeries | undefined;
  readonly thresholds: Thresholds | undefined;
}) {
  if (!props.series || !props.thresholds) return null;
  const items = meterItems(props.specs, props.series, props.thresholds);
  if (items.length === 0) return null;
  return (
    <ul class="host-meters" aria-label="Newest figures against the host's thresholds">
      {items.map((m) => (
        <li key={m.id} data-meter={m.id}>
          <span class="muted small">{m.label}</span>
          <Meter label={m.label} value={m.value} threshold={m.threshold} />
        </li>
      ))}
    </ul>
  );
}
