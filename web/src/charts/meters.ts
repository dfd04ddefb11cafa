import type { Thresholds } from '../api/types.ts';
import type { HostSeries } from './series.ts';
import type { ChartSpec } from './specs.ts';

export interface MeterItem {
  readonly id: string;
  readonly label: string;
  readonly value: number | undefined;
  readonly threshold: number;
}

/** The newest value of a column (the live-updated last bucket), skipping empty buckets. */
function newest(series: HostSeries, key: string): number | undefined {
  const column = series.avg.get(key) ?? [];
  for (let i = column.length - 1; i >= 0; i--) {
    const v = column[i];
    if (v !== null && v !== undefined) return v;
  }
  return undefined;
}

/** CPU, RAM (or Redis memory) and each disk, from the standard charts' lines, derived ones included. */
export function meterItems(
  specs: readonly ChartSpec[],
  series: HostSeries,
  thresholds: Thresholds,
): MeterItem[] {
  const spec = (id: string) => specs.find((s) => s.id === id);
  const item = (id: string, label: string, key: string | undefined, threshold: number) =>
    key === undefined ? [] : [{ id, label, value: newest(series, key), threshold }];
  const memory = spec('memory')?.lines[0];
  return [
    ...item('cpu', 'CPU', spec('cpu')?.lines[0]?.key, thresholds.cpu),
    ...item(
      'memory',
      memory?.label === 'Used of maxmemory' ? 'Memory of maxmemory' : 'RAM',
      memory?.key,
      thresholds.memory,
    ),
    ...(spec('disk')?.lines ?? []).flatMap((l) =>
      item(`disk:${l.label}`, `Disk ${l.label}`, l.key, thresholds.disk),
    ),
  ];
}
