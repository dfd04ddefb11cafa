import { HostMetric } from '../../contract/metrics.ts';
import { type Collector, type CollectorContext, type MetricSink, pct } from '../collector.ts';
import { lines, readText } from './procfs.ts';

/** /proc/meminfo as bytes by field name. */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of lines(text)) {
    const match = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (match?.[1] && match[2]) out.set(match[1], Number(match[2]) * (line.endsWith('kB') ? 1024 : 1));
  }
  return out;
}

/** Memory and swap (`mem.*`, `swap.*`) from /proc/meminfo; "used" is total minus available, as `free`. */
export class MemoryCollector implements Collector {
  readonly name = 'memory';

  constructor(private readonly ctx: Pick<CollectorContext, 'proc'>) {}

  async collect(sink: MetricSink): Promise<void> {
    const info = parseMeminfo(await readText(`${this.ctx.proc}/meminfo`));
    const total = info.get('MemTotal') ?? 0;
    // Kernels before 3.14 have no MemAvailable; free + page cache is the usual estimate there.
    const available =
      info.get('MemAvailable') ??
      (info.get('MemFree') ?? 0) + (info.get('Buffers') ?? 0) + (info.get('Cached') ?? 0);
    if (total > 0) {
      const used = Math.max(0, total - available);
      sink.put(HostMetric.memTotalBytes, total);
      sink.put(HostMetric.memAvailableBytes, available);
      sink.put(HostMetric.memUsedBytes, used);
      sink.put(HostMetric.memUsedPct, pct((100 * used) / total));
    }
    const swapTotal = info.get('SwapTotal') ?? 0;
    const swapUsed = Math.max(0, swapTotal - (info.get('SwapFree') ?? 0));
    sink.put(HostMetric.swapTotalBytes, swapTotal);
    sink.put(HostMetric.swapUsedBytes, swapUsed);
    sink.put(HostMetric.swapUsedPct, swapTotal > 0 ? pct((100 * swapUsed) / swapTotal) : 0);
  }
}
