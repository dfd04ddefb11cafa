import { startRedis, uniquePrefix } from '../../test/harness/index.ts';
import { apiEnv } from '../../test/support/api.ts';
import type { Figure } from '../report.ts';

const SECTION = 'Self-observability overhead';

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

/** used_cpu_user + used_cpu_sys of a redis-server, in ms. */
async function redisCpuMs(info: () => Promise<string>): Promise<number> {
  const text = await info();
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(text)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
}

/**
 * CPU of one collection of Vitals' own Redis by the self-monitor (INFO everything, parsed, stored as
 * series through the ingest service), in Vitals' process and in redis-server, as a share of one core
 * at the default 15 s interval. Collections run back to back; the figure is their mean.
 */
export async function infoOverheadBench(opts: {
  collections: number;
  intervalSec: number;
}): Promise<Figure[]> {
  const redis = await startRedis();
  const env = await apiEnv(redis.url, uniquePrefix('bench-info'));
  const admin = redis.client();
  try {
    const monitor = env.runtime.api.selfMonitor;
    for (let i = 0; i < 5; i++) await monitor.collectOnce(); // warm-up: JIT, host registration
    const redisBefore = await redisCpuMs(() => admin.info('cpu'));
    const before = process.cpuUsage();
    const t0 = performance.now();
    let series = 0;
    for (let i = 0; i < opts.collections; i++) series = await monitor.collectOnce();
    const wallMs = (performance.now() - t0) / opts.collections;
    const vitalsMs = cpuMs(process.cpuUsage(before)) / opts.collections;
    const redisMs = ((await redisCpuMs(() => admin.info('cpu'))) - redisBefore) / opts.collections;
    const share = (ms: number) => (100 * ms) / (opts.intervalSec * 1000);
    const note = `mean of ${opts.collections} collections of ${series} series each`;
    return [
      {
        section: SECTION,
        name: `INFO collection of Vitals' own Redis, Vitals' CPU, share of a core at ${opts.intervalSec} s`,
        value: share(vitalsMs),
        unit: '%',
        target: { op: '≤', value: 0.5 },
        note: `${vitalsMs.toFixed(2)} ms CPU per collection (${wallMs.toFixed(1)} ms wall); ${note}`,
      },
      {
        section: SECTION,
        name: `INFO collection, redis-server's CPU, share of a core at ${opts.intervalSec} s`,
        value: share(redisMs),
        unit: '%',
        note: `${redisMs.toFixed(2)} ms CPU per collection; ${note}`,
      },
    ];
  } finally {
    admin.disconnect();
    await env.close();
    await redis.close();
  }
}
