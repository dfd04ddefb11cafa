import { useMemo } from 'preact/hooks';
import { pickedSpecs, type Selection, type SeriesEntry } from '../charts/picked.ts';
import type { TimeWindow } from '../charts/ranges.ts';
import { useChartData } from '../charts/use-chart-data.ts';
import { ChartGrid } from './chart-grid.tsx';
import { Notice } from './notice.tsx';
import { SeriesPicker } from './series-picker.tsx';

export interface AllSeriesProps {
  readonly host: string;
  readonly entries: readonly SeriesEntry[];
  /** Series the host has in all. */
  readonly total: number;
  readonly selection: Selection;
  readonly onChange: (selection: Selection) => void;
  readonly window: TimeWindow;
  /** Chart width in px (0 while not known: nothing is loaded yet). */
  readonly width: number;
  readonly minStepMs: number;
  /** The host has no standard chart: say why this section is all there is. */
  readonly alone: boolean;
}

/** "All series": the host's series in a picker, and a chart per picked metric. */
export function AllSeries(props: AllSeriesProps) {
  const { host, entries, selection, window } = props;
  const picked = useMemo(() => pickedSpecs(entries, selection), [entries, selection]);
  const chosen = useChartData(host, picked, window, props.width, props.minStepMs);
  return (
    <section class="host-section" aria-labelledby="all-series-title">
      <h2 id="all-series-title">All series</h2>
      {props.alone && (
        <p class="muted">
          None of these series has a name the standard charts know: pick metrics to chart them.
        </p>
      )}
      <SeriesPicker entries={entries} total={props.total} selection={selection} onChange={props.onChange} />
      {chosen.error && <Notice kind="error">Could not load the picked series: {chosen.error}</Notice>}
      <ChartGrid charts={chosen.charts} window={window} />
    </section>
  );
}
