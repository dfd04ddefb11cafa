import { Keys } from '../../src/redis/index.ts';
import { measureDecodeRate } from '../../src/tsdb/codec/measure.ts';
import { createTsdbContext } from '../../src/tsdb/context.ts';
import { runMaintenance, sealHost, type TsdbContext } from '../../src/tsdb/index.ts';
import { aggregate, latestMany, range, readRaw } from '../../src/tsdb/query/index.ts';
import { BaselineStore } from '../baseline.ts';
import { hostBatches, hostSnapshots, toSeriesKey } from '../data.ts';
import { hostColumns } from '../dataset.ts';
import { type BenchDb, baselineRedis, benchDb, pool } from '../env.ts';
import { type Figure, median, percentile } from '../report.ts';
import { warmUntilSteady } from '../steady.ts';

const SECTION = 'Queries';
const DAY = 86_400_000;

/**
 * Median of `runs` timed calls after warm-up blocks of as many calls, at most `maxBlocks`, until the
 * median no longer falls (bench/steady.ts: V8 compiles the read path over the first hundred-odd
 * queries, and a dashboard asks the same kinds of query all day, so the figure is the warm one); the
 * set-up's garbage is collected first when allowed. The baseline's calls take seconds: one block.
 */
async function timed(runs: number, fn: () => Promise<unknown>, maxBlocks = 1): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  const block = async () => {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await fn();
      times.push(performance.now() - t0);
    }
    return new Map([['', median(times)]]);
  };
  await warmUntilSteady(block, { maxBlocks });
  return (await block()).get('') ?? Number.NaN;
}

/** Warm-up blocks of a Vitals query at most. */
const WARM_BLOCKS = 20;

/**
 * A context on the same Redis with an empty hot tier, so queries read Redis as a cold process would.
 * It keeps decoded 1-minute blocks as a server does (a query asked again reads Redis but decodes only
 * blocks whose bytes changed); `decodeCacheBytes: 0` decodes every block of every query.
 */
function coldContext(ctx: TsdbContext, decodeCacheBytes?: number): TsdbContext {
  const options = decodeCacheBytes === undefined ? ctx.options : { ...ctx.options, decodeCacheBytes };
  return createTsdbContext(ctx.redis, new Keys(ctx.keys.prefix), options);
}

export async function queryBench(opts: { days: number; seed: number }): Promise<Figure[]> {
  const end = Date.now() - 60_000;
  const start = end - opts.days * DAY;
  const cols = hostColumns({ hosts: 1, start, end, seed: opts.seed }, 0);
  const db = await benchDb();
  const base = await baselineRedis();
  try {
    await pool(hostBatches('bench', cols, 720), 4, (b) => db.writer.write([b]));
    await sealHost(db.ctx, 'bench', cols.host, { upTo: Date.now() });
    // Then a maintenance pass, as a server runs every minute: it compacts the open window's head. Left
    // as the import appended it, that head held ~350 kB of records (~9 B a sample, every series of the
    // host), which every query reads whole; compacted, ~42 kB.
    await runMaintenance(db.ctx);
    const store = new BaselineStore(base.client, 'vitals:');
    for (let d = start; d < end; d += DAY) {
      await store.write(
        cols.host,
        hostSnapshots(
          hostColumns({ hosts: 1, start: d, end: Math.min(end, d + DAY - 1), seed: opts.seed }, 0),
        ),
      );
    }
    const cold = coldContext(db.ctx);
    const key = toSeriesKey('cpu.usage');
    const rangeOf = (from: number) => range(cold, 'bench', cols.host, [key], from, end, 10_000_000);
    const points = (await rangeOf(start)).get(key)?.points.timestamps.length ?? 0;
    const r1 = await timed(10, () => rangeOf(end - DAY), WARM_BLOCKS);
    const r30 = await timed(10, () => rangeOf(start), WARM_BLOCKS);
    const step = Math.ceil((end - start) / 1000 / 60_000) * 60_000;
    const a30 = await timed(
      15,
      () => aggregate(cold, 'bench', cols.host, [key], start, end, step, 'avg'),
      WARM_BLOCKS,
    );
    // The same query decoding every block, as the first query over these windows does.
    const decoding = coldContext(db.ctx, 0);
    const a30decode = await timed(
      15,
      () => aggregate(decoding, 'bench', cols.host, [key], start, end, step, 'avg'),
      WARM_BLOCKS,
    );
    // Max over windows that keep their raw columns reads raw (their 1-minute blocks are lean).
    const m30 = await timed(
      15,
      () => aggregate(cold, 'bench', cols.host, [key], start, end, step, 'max'),
      WARM_BLOCKS,
    );
    const b1 = await timed(3, () => store.range(cols.host, 'cpu.usage', end - DAY, end));
    const b30 = await timed(1, () => store.range(cols.host, 'cpu.usage', start, end));
    const decode = measureDecodeRate([cols], { rounds: 3 });
    const label = `${opts.days} d`;
    return [
      { section: SECTION, name: `range, 1 day raw of one series`, value: r1, unit: 'ms', baseline: b1 },
      {
        section: SECTION,
        name: `range, ${label} raw of one series (${points.toLocaleString('en-US')} points)`,
        value: r30,
        unit: 'ms',
        baseline: b30,
        target: { op: '≤', value: 100 },
      },
      {
        section: SECTION,
        name: `aggregate, ${label} to ≤ 1,000 points (avg, 1m rollups)`,
        value: a30,
        unit: 'ms',
        // Issue 16's target (the first benchmark asked for ≤ 10 ms).
        target: { op: '≤', value: 5 },
        note: "asked again and again, as a dashboard does: every block is read from Redis, and decoded only if its bytes changed (decoded blocks kept, VITALS_DECODE_CACHE_BYTES); the open window's head as a maintenance pass leaves it (compacted; between passes it also holds up to twice its block in records)",
      },
      {
        section: SECTION,
        name: `aggregate, ${label} to ≤ 1,000 points (avg, 1m rollups), every block decoded`,
        value: a30decode,
        unit: 'ms',
        note: 'VITALS_DECODE_CACHE_BYTES=0: what the first query over these windows costs',
      },
      {
        section: SECTION,
        name: `aggregate, ${label} to ≤ 1,000 points (max: raw columns, the 1-minute blocks being lean while raw lives)`,
        value: m30,
        unit: 'ms',
      },
      {
        section: SECTION,
        name: 'decode, values + timestamps + presence',
        value: decode.series,
        unit: 'samples/s',
      },
      { section: SECTION, name: 'decode, values alone', value: decode.values, unit: 'samples/s' },
      ...(await freshnessFigures(db)),
    ];
  } finally {
    await db.close();
    await base.server.close();
  }
}

/** Latest values of every host of the ingest benchmark's store (1,000 hosts in a full run). */
export async function latestFigures(db: BenchDb): Promise<Figure[]> {
  const hosts = (await db.admin.zrange(db.ctx.keys.hostsIndex(), 0, -1)).map((m) => m.slice('bench:'.length));
  // Between two overview reads, 1 s of 5-second heartbeats lands: a fifth of the hosts have new samples.
  const times: number[] = [];
  let t = Date.now();
  for (let round = 0; round < 25; round++) {
    t += 1000;
    for (let i = round % 5; i < hosts.length; i += 5)
      db.ctx.hot.add('bench', hosts[i] ?? '', 'cpu.usage', t, round);
    const t0 = performance.now();
    await latestMany(db.ctx, 'bench', hosts);
    if (round >= 5) times.push(performance.now() - t0);
  }
  const hot = median(times);
  const fromRedis = await timed(5, () => latestMany(coldContext(db.ctx), 'bench', hosts));
  return [
    {
      section: SECTION,
      name: `latest values of ${hosts.length} hosts (hot tier)`,
      value: hot,
      unit: 'ms',
      target: { op: '≤', value: 5 },
    },
    {
      section: SECTION,
      name: `latest values of ${hosts.length} hosts (from Redis, cold process)`,
      value: fromRedis,
      unit: 'ms',
    },
  ];
}

/** Time from a durable write call to the sample being readable from Redis by another process. */
async function freshnessFigures(db: BenchDb): Promise<Figure[]> {
  const cold = coldContext(db.ctx);
  const times: number[] = [];
  const ids = await db.ctx.series.ids('bench', 'fresh', ['cpu.usage']);
  for (let i = 0; i < 200; i++) {
    const t = Date.now();
    const t0 = performance.now();
    await db.writer.write(
      [{ org: 'bench', host: 'fresh', seriesKeys: ['cpu.usage'], series: [0], timestamps: [t], values: [i] }],
      'durable',
    );
    const got = await readRaw(cold, 'bench', 'fresh', ids, t, t);
    if (got.get(ids[0] ?? 0)?.timestamps.length !== 1)
      throw new Error('a durably written sample was not readable');
    times.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 2));
  }
  return [
    {
      section: SECTION,
      name: 'written → queryable, ack=durable, p50',
      value: percentile(times, 0.5),
      unit: 'ms',
      baseline: 15_000,
      note: 'baseline: 30 s batches, 15 s on average',
    },
    {
      section: SECTION,
      name: 'written → queryable, ack=durable, p99',
      value: percentile(times, 0.99),
      unit: 'ms',
      baseline: 30_000,
      target: { op: '≤', value: 100 },
    },
  ];
}
