import { parseSeriesKey, seriesKey } from '../../src/contract/index.ts';
import { sealHost, type WriteBatch } from '../../src/tsdb/index.ts';
import type { Row } from '../capture/columns.ts';
import { benchDb, keyBytes } from '../env.ts';
import { CAPTURE_HOST } from './payloads.ts';
import type { SampleStore } from './system.ts';

const ORG = 'default';

/**
 * Vitals' storage engine in this process on a private redis-server, written through the writer the
 * server's ingest ends in, with the series the server would make of the same line protocol (labels
 * with empty values left out; `value` fields named after their measurement). For the 30-day data set:
 * its quarter of a billion samples would keep the server parsing line protocol for most of an hour of
 * CPU, and what Redis ends up holding does not depend on how the samples arrived. Windows are sealed
 * as writing moves past them, as the server's maintenance would.
 */
export async function startVitalsDirect(series: readonly string[]): Promise<SampleStore> {
  const db = await benchDb();
  const seriesKeys = series.map((key) => {
    const { name, labels } = parseSeriesKey(key);
    return seriesKey(name, Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== '')));
  });
  let last = Number.NEGATIVE_INFINITY;
  return {
    name: 'vitals',
    async write(rows: readonly Row[]) {
      const ids: number[] = [];
      const timestamps: number[] = [];
      const values: number[] = [];
      for (const row of rows) {
        row.series.forEach((s, k) => {
          const v = row.values[k] ?? Number.NaN;
          if (!Number.isFinite(v)) return;
          ids.push(s);
          timestamps.push(row.timestamp);
          values.push(v);
        });
      }
      const batch: WriteBatch = { org: ORG, host: CAPTURE_HOST, seriesKeys, series: ids, timestamps, values };
      await db.writer.write([batch], 'durable');
      // Windows that ended an hour before this chunk began get no more samples (the chunk before may
      // still be in flight, but it spans minutes): seal them, as the server's maintenance would.
      const upTo = (rows[0]?.timestamp ?? last) - 3_600_000;
      if (upTo - last > 3_600_000) {
        last = upTo;
        await sealHost(db.ctx, ORG, CAPTURE_HOST, { upTo });
      }
    },
    async settle() {
      await sealHost(db.ctx, ORG, CAPTURE_HOST, { upTo: Date.now() });
    },
    storedBytes: () => keyBytes(db.admin, `*{${ORG}:${CAPTURE_HOST}}*`),
    close: () => db.close(),
  };
}
