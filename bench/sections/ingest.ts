import type { WriteBatch } from '../../src/tsdb/index.ts';
import { BaselineStore } from '../baseline.ts';
import { hostBatches, hostSnapshots, sampleCount } from '../data.ts';
import { hostColumns } from '../dataset.ts';
import { type BenchDb, baselineRedis, benchDb, pool } from '../env.ts';
import type { Figure } from '../report.ts';

const SECTION = 'Ingest from one process';

/**
 * Samples/s into Redis with durable acknowledgement, many concurrent writers (as HTTP requests would
 * be), against the original design writing the same snapshots. The data is generated before timing.
 */
export async function ingestBench(opts: {
  hosts: number;
  minutes: number;
  seed: number;
}): Promise<{ figures: Figure[]; db: BenchDb }> {
  const end = Date.now() - 60_000;
  const dataset = { hosts: opts.hosts, start: end - opts.minutes * 60_000, end, seed: opts.seed };
  const batches: WriteBatch[] = [];
  const snapshots: Array<[string, ReturnType<typeof hostSnapshots>]> = [];
  let samples = 0;
  for (let h = 0; h < opts.hosts; h++) {
    const cols = hostColumns(dataset, h);
    samples += sampleCount(cols);
    batches.push(...hostBatches('bench', cols, 60));
    snapshots.push([cols.host, hostSnapshots(cols)]);
  }
  const db = await benchDb({ VITALS_FLUSH_BATCH_SIZE: '100000' });
  const base = await baselineRedis();
  try {
    const t0 = performance.now();
    await pool(batches, 64, (b) => db.writer.write([b], 'durable'));
    const vitalsSecs = (performance.now() - t0) / 1000;

    const store = new BaselineStore(base.client, 'vitals:');
    const t1 = performance.now();
    await pool(snapshots, 64, ([host, snaps]) => store.write(host, snaps));
    const baselineSecs = (performance.now() - t1) / 1000;

    const rate = samples / vitalsSecs;
    const baselineRate = samples / baselineSecs;
    return {
      db,
      figures: [
        {
          section: SECTION,
          name: 'samples written',
          value: samples,
          unit: 'samples',
          note: `${opts.hosts} hosts × ${opts.minutes} min`,
        },
        {
          section: SECTION,
          name: 'ingest, ack=durable',
          value: rate,
          unit: 'samples/s',
          baseline: baselineRate,
          target: { op: '≥', value: 1_000_000 },
        },
        {
          section: SECTION,
          name: 'faster than the baseline',
          value: rate / baselineRate,
          unit: '×',
          target: { op: '≥', value: 2 },
        },
      ],
    };
  } finally {
    await base.server.close();
  }
}
