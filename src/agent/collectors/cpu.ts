import { HostMetric } from '../../contract/metrics.ts';
import { type Collector, type CollectorContext, type MetricSink, oneDecimal } from '../collector.ts';
import { fields, lines, readText } from './procfs.ts';

/** Jiffies of one `cpu` line of /proc/stat, grouped the way the metrics report them. */
export interface CpuTimes {
  readonly user: number;
  readonly system: number;
  readonly idle: number;
  readonly iowait: number;
  readonly steal: number;
  readonly total: number;
}

/**
 * Parses a `cpu…` line: user nice system idle iowait irq softirq steal (guest time is already counted in
 * user). Nice counts as user, irq and softirq as system.
 */
export function parseCpuLine(line: string): { id: string; times: CpuTimes } | undefined {
  const [id, ...rest] = fields(line);
  if (id === undefined || !id.startsWith('cpu')) return undefined;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
    rest.map(Number);
  const times = { user: user + nice, system: system + irq + softirq, idle, iowait, steal };
  const total = times.user + times.system + idle + iowait + steal;
  return Number.isFinite(total) ? { id, times: { ...times, total } } : undefined;
}

/** Percentages between two readings; `undefined` when no time passed (or the counters went back). */
export function cpuPercentages(prev: CpuTimes, cur: CpuTimes) {
  // Each field is clamped: iowait is known to step backwards on some kernels.
  const d = (k: keyof CpuTimes) => Math.max(0, cur[k] - prev[k]);
  const total = d('user') + d('system') + d('idle') + d('iowait') + d('steal');
  if (total <= 0) return undefined;
  const share = (v: number) => oneDecimal((100 * v) / total);
  return {
    usage: share(total - d('idle') - d('iowait')),
    user: share(d('user')),
    system: share(d('system')),
    iowait: share(d('iowait')),
    steal: share(d('steal')),
  };
}

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
