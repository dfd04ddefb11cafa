import { CommandTimings } from '../../src/redis/index.ts';
import type { WriteBatch } from '../../src/tsdb/index.ts';
import { hostBatches, sampleCount } from '../data.ts';
import { hostColumns } from '../dataset.ts';
import { benchDb, pool } from '../env.ts';
import type { Figure } from '../report.ts';

const SECTION = 'Self-observability overhead';

/**
 * ns the timing of one command adds: the two clock reads, the settle callbacks on the command's
 * promise and the histogram update (as src/redis/connection.ts wraps each command), against the same
 * loop of promises untimed. Medians of 7 runs of a million.
 */
async function wrapperNs(): Promise<number> {
  const timings = new CommandTimings();
  const names = ['evalsha', 'append', 'hset', 'get', 'zadd', 'set'];
  const run = async (timed: boolean, n: number) => {
    const t0 = performance.now();
    for (let b = 0; b < n; b += 1000) {
      const settled: Promise<unknown>[] = [];
      for (let i = 0; i < 1000; i++) {
        const start = performance.now();
        const p = Promise.resolve(i);
        if (timed)
          p.then(
            () =>
              timings.record(names[i % names.length] as string, (performance.now() - start) * 1000, false),
            () => timings.record('x', (performance.now() - start) * 1000, true),
          );
        settled.push(p);
      }
      await Promise.all(settled);
    }
    return ((performance.now() - t0) / n) * 1e6;
  };
  for (let k = 0; k < 3; k++) {
    await run(true, 200_000);
    await run(false, 200_000);
  }
  const timed: number[] = [];
  const plain: number[] = [];
  for (let k = 0; k < 7; k++) {
    timed.push(await run(true, 1_000_000));
    plain.push(await run(false, 1_000_000));
  }
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1] as number;
  return mid(timed) - mid(plain);
}

/**
 * Ingest with every Redis command timed (as the server runs) against the same ingest untimed, each
 * on its own redis-server: rounds alternate between the two (ABBA) and write the same snapshots under
 * a fresh org each round, so both see the same machine; the overhead is the median of the rounds' ratios.
 */
export async function timingOverheadBench(opts: {
  hosts: number;
  minutes: number;
  rounds: number;
  seed: number;
}) {
  const end = Date.now() - 60_000;
  const dataset = { hosts: opts.hosts, start: end - opts.minutes * 60_000, end, seed: opts.seed };
  const cols = Array.from({ length: opts.hosts }, (_, h) => hostColumns(dataset, h));
  const samples = cols.reduce((n, c) => n + sampleCount(c), 0);
  const batchesFor = (org: string): WriteBatch[] => cols.flatMap((c) => hostBatches(org, c, 60));
  const timings = new CommandTimings();
  const timed = await benchDb({ VITALS_FLUSH_BATCH_SIZE: '100000' }, { timings });
  const plain = await benchDb({ VITALS_FLUSH_BATCH_SIZE: '100000' });
  const rate = { timed: [] as number[], plain: [] as number[] };
  try {
    const round = async (which: 'timed' | 'plain', r: number) => {
      const db = which === 'timed' ? timed : plain;
      const batches = batchesFor(`round-${r}`);
      const t0 = performance.now();
      await pool(batches, 64, (b) => db.writer.write([b], 'durable'));
      rate[which].push(samples / ((performance.now() - t0) / 1000));
    };
    await round('timed', -1); // warm-up of both paths
    await round('plain', -1);
    rate.timed.length = 0;
    rate.plain.length = 0;
    for (let r = 0; r < opts.rounds; r++) {
      const order: Array<'timed' | 'plain'> = r % 2 === 0 ? ['timed', 'plain'] : ['plain', 'timed'];
      for (const which of order) await round(which, r);
    }
  } finally {
    await timed.close();
    await plain.close();
  }
  const ratios = rate.timed.map((t, i) => t / (rate.plain[i] as number)).sort((a, b) => a - b);
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
  };
  const overheadPct = (1 - median(ratios)) * 100;
  const commands = Object.values(timings.snapshot()).reduce((n, s) => n + s.count, 0);
  // Rounds of the timed side, warm-up included, each wrote `samples`.
  const commandsPerSample = commands / ((opts.rounds + 1) * samples);
  const ns = await wrapperNs();
  const untimedNsPerSample = 1e9 / median(rate.plain);
  const fromParts = (100 * ns * commandsPerSample) / untimedNsPerSample;
  return [
    {
      section: SECTION,
      name: 'ingest, ack=durable, every Redis command timed (baseline: untimed)',
      value: median(rate.timed),
      baseline: median(rate.plain),
      unit: 'samples/s',
      note: `median of ${opts.rounds} alternating rounds of ${samples.toLocaleString('en-US')} samples; ${commands.toLocaleString('en-US')} commands timed`,
    },
    {
      section: SECTION,
      // A cross-check only: on this shared machine the rounds vary far more than the effect.
      name: 'throughput lost to command timing, timed against untimed rounds',
      value: overheadPct,
      unit: '%',
      note: `median of the rounds' ratios; the rounds ranged ${((1 - (ratios.at(-1) ?? 1)) * 100).toFixed(1)} … ${((1 - (ratios[0] ?? 1)) * 100).toFixed(1)} % (the machine's noise)`,
    },
    {
      section: SECTION,
      name: 'throughput lost to command timing, from its parts',
      value: fromParts,
      unit: '%',
      target: { op: '≤', value: 2 },
      note: `${ns.toFixed(0)} ns per timed command × ${(commandsPerSample * 1000).toFixed(1)} commands per 1,000 samples, against ${untimedNsPerSample.toFixed(0)} ns per sample untimed`,
    },
  ] satisfies Figure[];
}
