import type { Thresholds } from '../api/types.ts';
import type { TimeWindow } from '../charts/ranges.ts';
import type { ChartData } from '../charts/use-chart-data.ts';
import { TimeChart } from './time-chart.tsx';

export interface ChartGridProps {
  readonly charts: ChartData['charts'];
  readonly window: TimeWindow;
  /** The host's thresholds, drawn on the CPU, memory and disk charts. */
  readonly thresholds?: Thresholds;
}

/** Time charts in the `.charts` grid, each with its threshold line where it has one. */
export function ChartGrid({ charts, window, thresholds }: ChartGridProps) {
  return (
    <div class="charts">
      {charts.map(({ spec, data }) => (
        <TimeChart
          key={spec.id}
          id={spec.id}
          title={spec.title}
          labels={spec.lines.map((l) => l.label)}
          data={data}
          format={spec.format}
          range={spec.range}
          window={window}
          threshold={spec.threshold && thresholds?.[spec.threshold]}
        />
      ))}
    </div>
  );
}
