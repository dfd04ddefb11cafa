import { seriesKey } from '../src/contract/index.ts';
import type { WriteBatch } from '../src/tsdb/index.ts';
import type { HostColumns } from './dataset.ts';

/** `cpu.core.usage{core=0}` (the data set's spelling) → the canonical series key `cpu.core.usage{core="0"}`. */
export function toSeriesKey(datasetName: string): string {
  const brace = datasetName.indexOf('{');
  if (brace < 0) return datasetName;
  const labels = Object.fromEntries(
    datasetName
      .slice(brace + 1, -1)
      .split(',')
      .map((kv) => kv.split('=') as [string, string]),
  );
  return seriesKey(datasetName.slice(0, brace), labels);
}

/** A host's columns as write batches of `snapshotsPerBatch` snapshots each (row order, as agents send). */
export function hostBatches(org: string, cols: HostColumns, snapshotsPerBatch: number): WriteBatch[] {
  const seriesKeys = cols.series.map((s) => toSeriesKey(s.name));
  const cursors = cols.series.map(() => 0);
  const out: WriteBatch[] = [];
  for (let start = 0; start < cols.timestamps.length; start += snapshotsPerBatch) {
    const end = Math.min(cols.timestamps.length, start + snapshotsPerBatch);
    const series: number[] = [];
    const timestamps: number[] = [];
    const values: number[] = [];
    for (let i = start; i < end; i++) {
      const t = cols.timestamps[i] as number;
      cols.series.forEach((s, k) => {
        if (s.present[i] !== 1) return;
        series.push(k);
        timestamps.push(t);
        values.push(s.values[cursors[k] as number] as number);
        cursors[k] = (cursors[k] as number) + 1;
      });
    }
    out.push({ org, host: cols.host, seriesKeys, series, timestamps, values });
  }
  return out;
}

/** The same host as the original design's snapshots `{timestamp, values}` (absent series left out). */
export function hostSnapshots(
  cols: HostColumns,
): Array<{ timestamp: number; values: Record<string, number> }> {
  const cursors = cols.series.map(() => 0);
  const out: Array<{ timestamp: number; values: Record<string, number> }> = [];
  for (let i = 0; i < cols.timestamps.length; i++) {
    const values: Record<string, number> = {};
    cols.series.forEach((s, k) => {
      if (s.present[i] !== 1) return;
      values[s.name] = s.values[cursors[k] as number] as number;
      cursors[k] = (cursors[k] as number) + 1;
    });
    out.push({ timestamp: cols.timestamps[i] as number, values });
  }
  return out;
}

export function sampleCount(cols: HostColumns): number {
  return cols.series.reduce((s, c) => s + c.values.length, 0);
}
