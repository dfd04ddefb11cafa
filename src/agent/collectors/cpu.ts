import { HostMetric } from '../../contract/metrics.ts';
import { type CpuTimes, cpuPercentages, parseCpuLine } from '../../contract/procfs.ts';
import type { Collector, CollectorContext, MetricSink } from '../collector.ts';
import { lines, readText } from './procfs.ts';

export { type CpuTimes, cpuPercentages, parseCpuLine } from '../../contract/procfs.ts';

/** CPU usage in total (`cpu.usage`, `cpu.user`, …) and per core (`cpu.core.usage{core}`), from /proc/stat. */
export class CpuCollector implements Collector {
  readonly name = 'cpu';
  private last = new Map<string, CpuTimes>();

  constructor(private readonly ctx: Pick<CollectorContext, 'proc'>) {}

  async collect(sink: MetricSink): Promise<void> {
    const current = new Map<string, CpuTimes>();
    for (const line of lines(await readText(`${this.ctx.proc}/stat`))) {
      const parsed = line.startsWith('cpu') ? parseCpuLine(line) : undefined;
      if (parsed) current.set(parsed.id, parsed.times);
    }
    for (const [id, times] of current) {
      const prev = this.last.get(id);
      const p = prev && cpuPercentages(prev, times);
      if (!p) continue;
      if (id === 'cpu') {
        sink.put(HostMetric.cpuUsage, p.usage);
        sink.put(HostMetric.cpuUser, p.user);
        sink.put(HostMetric.cpuSystem, p.system);
        sink.put(HostMetric.cpuIowait, p.iowait);
        sink.put(HostMetric.cpuSteal, p.steal);
      } else {
        sink.put(HostMetric.cpuCoreUsage, p.usage, { core: id.slice(3) });
      }
    }
    this.last = current;
  }
}
