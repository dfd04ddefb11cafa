import { sealHost, WINDOW_MS } from '../../src/tsdb/index.ts';
import { BaselineStore } from '../baseline.ts';
import { hostBatches, hostSnapshots, sampleCount } from '../data.ts';
import { hostColumns } from '../dataset.ts';
import { baselineRedis, benchDb, pool, usedMemory } from '../env.ts';
import type { Figure } from '../report.ts';

const SECTION = 'Storage: Redis memory per sample';

/** Redis memory of the same data set stored by Vitals (sealed + head) and by the original design. */
export async function storageBench(opts: { hosts: number; days: number; seed: number }): Promise<Figure[]> {
  const end = Date.now() - 60_000;
  const start = end - opts.days * 86_400_000;
  const dataset = { hosts: opts.hosts, start, end, seed: opts.seed };
  const db = await benchDb();
  const base = await baselineRedis();
  try {
    const [v0, b0] = [await usedMemory(db.admin), await usedMemory(base.client)];
    const baseline = new BaselineStore(base.client, 'vitals:');
    const openWindow = end - (end % WINDOW_MS);
    let samples = 0;
    let sealedSamples = 0;
    for (let h = 0; h < opts.hosts; h++) {
      const cols = hostColumns(dataset, h);
      samples += sampleCount(cols);
      for (const s of cols.series) {
        let k = 0;
        for (let i = 0; i < cols.timestamps.length; i++)
          if (s.present[i] === 1 && (cols.timestamps[i] as number) < openWindow) k++;
        sealedSamples += k;
      }
      await pool(hostBatches('bench', cols, 720), 4, (b) => db.writer.write([b]));
      await baseline.write(cols.host, hostSnapshots(cols));
      await sealHost(db.ctx, 'bench', cols.host, { upTo: Date.now() });
    }
    const [v1, b1] = [await usedMemory(db.admin), await usedMemory(base.client)];
    const sealedBytes = await memoryOf(db.admin, '*:w:*');
    const hourlyBytes = await memoryOf(db.admin, '*:h:*');
    const { raw: rawPayload, rollup: rollupPayload } = await payloadBytes(db.admin);
    const overall = (v1 - v0) / samples;
    const baselinePer = (b1 - b0) / samples;
    return [
      {
        section: SECTION,
        name: 'samples in the data set',
        value: samples,
        unit: 'samples',
        note: `${opts.hosts} hosts × ${opts.days} d, 5 s`,
      },
      {
        section: SECTION,
        name: 'sealed raw data (window hashes, MEMORY USAGE, less the 1m rollup payload)',
        value: (sealedBytes - rollupPayload) / sealedSamples,
        unit: 'B/sample',
        target: { op: '≤', value: 1.5 },
      },
      {
        section: SECTION,
        name: 'sealed raw columns, payload only',
        value: rawPayload / sealedSamples,
        unit: 'B/sample',
      },
      {
        section: SECTION,
        name: '1m + 1h rollups',
        value: (rollupPayload + hourlyBytes) / sealedSamples,
        unit: 'B/sample',
      },
      {
        section: SECTION,
        name: 'overall (used_memory delta: heads + chunks + indexes + rollups)',
        value: overall,
        unit: 'B/sample',
        baseline: baselinePer,
        target: { op: '≤', value: 3 },
      },
      {
        section: SECTION,
        name: 'smaller than the baseline',
        value: baselinePer / overall,
        unit: '×',
        target: { op: '≥', value: 10 },
      },
    ];
  } finally {
    await db.close();
    await base.server.close();
  }
}

async function memoryOf(client: import('ioredis').Redis, pattern: string): Promise<number> {
  let total = 0;
  for (const key of await client.keys(pattern))
    total += Number(await client.memory('USAGE', key, 'SAMPLES', '0')) || 0;
  return total;
}

/** Bytes of the fields of every sealed window: raw (`t`, `r:*`) and 1-minute rollups (`m:*`). */
async function payloadBytes(client: import('ioredis').Redis): Promise<{ raw: number; rollup: number }> {
  const out = { raw: 0, rollup: 0 };
  for (const key of await client.keys('*:w:*')) {
    for (const f of await client.hkeys(key)) {
      const len = await client.hstrlen(key, f);
      if (f.startsWith('m:')) out.rollup += len;
      else out.raw += len;
    }
  }
  return out;
}
