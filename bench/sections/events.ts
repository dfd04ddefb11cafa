import type { Redis } from 'ioredis';
import { type EventInput, EventLog, type EventLogOptions } from '../../src/events/index.ts';
import { Keys } from '../../src/redis/index.ts';
import { baselineRedis, silent } from '../env.ts';
import type { Figure } from '../report.ts';

const SECTION = 'Connection events';
const HOUR = 3_600_000;

/** A realistic mix: mostly successes with a latency, one error in 25 with a short message. */
function input(i: number, at: number): EventInput {
  const error = i % 25 === 0;
  return {
    type: (['webhook', 'http-target', 'ssh', 'redis'] as const)[i % 4] ?? 'redis',
    status: error ? 'error' : 'ok',
    at,
    latencyMs: 3 + ((i * 7) % 90),
    ...(error && { message: 'connect ECONNREFUSED 10.0.0.7:443' }),
    meta: { host: `h${i % 20}` },
  };
}

async function openLog(client: Redis, prefix: string, options: Partial<EventLogOptions>): Promise<EventLog> {
  return new EventLog({ redis: client, keys: new Keys(prefix), logger: silent, options });
}

/** ns per `record()` on the caller's path, with the writer flushing in the background meanwhile. */
async function recordCost(client: Redis, n: number): Promise<number> {
  const log = await openLog(client, 'bench:ev:record:', {});
  let spent = 0;
  const now = Date.now();
  for (let done = 0; done < n; done += 100) {
    const t0 = performance.now();
    for (let i = done; i < done + 100; i++) log.record(input(i, now + i));
    spent += performance.now() - t0;
    // Let the writer run between bursts, as it does between the callers' events in a server.
    if (done % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await log.close();
  return (spent * 1e6) / n;
}

/** Bytes per event in Redis (MEMORY USAGE) of the packed blocks, a stream and a sorted set of JSON. */
async function bytesPerEvent(
  client: Redis,
  n: number,
): Promise<{ packed: number; stream: number; zset: number }> {
  const prefix = 'bench:ev:bytes:';
  const log = await openLog(client, prefix, { queueSize: n, batchSize: 100, memorySize: n });
  const start = Math.floor(Date.now() / HOUR) * HOUR - 23 * HOUR;
  const step = Math.floor((23 * HOUR) / n);
  for (let i = 0; i < n; i++) log.record(input(i, start + i * step));
  await log.flush();
  await log.close();
  let packed = 0;
  for (const key of await client.keys(`${prefix}*`))
    packed += Number(await client.memory('USAGE', key, 'SAMPLES', '0'));
  const stream = 'bench:ev:stream';
  const zset = 'bench:ev:zset';
  for (let i = 0; i < n; i += 500) {
    const pipeline = client.pipeline();
    for (let j = i; j < Math.min(n, i + 500); j++) {
      const { type, ...rest } = input(j, start + j * step);
      const json = JSON.stringify({ id: `${start + j * step}-${j}`, type, ...rest });
      pipeline.xadd(stream, '*', 'e', json);
      pipeline.zadd(zset, start + j * step, json);
    }
    await pipeline.exec();
  }
  const usage = async (key: string) => Number(await client.memory('USAGE', key, 'SAMPLES', '0'));
  return { packed: packed / n, stream: (await usage(stream)) / n, zset: (await usage(zset)) / n };
}

/** ms to reload `n` events (24 h of them) into a fresh process' rings. */
async function reloadMs(client: Redis, n: number): Promise<number> {
  const prefix = 'bench:ev:reload:';
  const writer = await openLog(client, prefix, { queueSize: n, batchSize: 1000, memorySize: n });
  const start = Date.now() - 23 * HOUR;
  const step = Math.floor((23 * HOUR) / n);
  for (let i = 0; i < n; i++) writer.record(input(i, start + i * step));
  await writer.flush();
  await writer.close();
  const times: number[] = [];
  for (let run = 0; run < 3; run++) {
    const reader = await openLog(client, prefix, {});
    const result = await reader.reload();
    if (!result.ok) throw new Error('reload failed');
    times.push(result.ms);
    await reader.close();
  }
  return Math.min(...times);
}

/**
 * The event store's figures: `record()` on the caller's path, Redis bytes per event of the packed
 * layout against a stream and a sorted set of JSON members (the baseline), and the start-up reload.
 */
export async function eventsBench(opts: { events?: number } = {}): Promise<Figure[]> {
  const n = opts.events ?? 100_000;
  const { server, client } = await baselineRedis();
  try {
    const ns = await recordCost(client, n);
    const bytes = await bytesPerEvent(client, Math.min(n, 50_000));
    const reload = await reloadMs(client, n);
    return [
      {
        section: SECTION,
        name: 'record() per event',
        value: ns,
        unit: 'ns',
        target: { op: '≤', value: 2000 },
      },
      {
        section: SECTION,
        name: 'Redis bytes per event, packed hourly blocks',
        value: bytes.packed,
        unit: 'B',
        baseline: bytes.zset,
        note: 'baseline: sorted set of JSON members',
      },
      {
        section: SECTION,
        name: 'Redis bytes per event, stream (XADD, one JSON field)',
        value: bytes.stream,
        unit: 'B',
        baseline: bytes.zset,
        note: 'not chosen',
      },
      {
        section: SECTION,
        name: `reload of ${n.toLocaleString('en-US')} events at start`,
        value: reload,
        unit: 'ms',
        target: { op: '≤', value: 1000 },
      },
    ];
  } finally {
    client.disconnect();
    await server.close();
  }
}
