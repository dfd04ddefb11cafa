import { statfs } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem, uptime } from 'node:os';
import { HostMetric } from '../../contract/metrics.ts';
import { type Collector, type MetricSink, pct, whole } from '../collector.ts';
import { type CpuTimes, cpuPercentages } from './cpu.ts';

function times(t: { user: number; nice: number; sys: number; idle: number; irq: number }): CpuTimes {
  const system = t.sys + t.irq;
  return {
    user: t.user + t.nice,
    system,
    idle: t.idle,
    iowait: 0,
    steal: 0,
    total: t.user + t.nice + system + t.idle,
  };
}

/**
 * The fallback where there is no /proc (macOS, BSDs): CPU, memory, load, uptime and the root
 * filesystem from Node's `os` module. No per-device, per-interface or temperature series there.
 */
export class PortableCollector implements Collector {
  readonly name = 'portable';
  private last: CpuTimes[] = [];

  async collect(sink: MetricSink): Promise<void> {
    const now = cpus().map((c) => times(c.times));
    const sum = (list: CpuTimes[]): CpuTimes =>
      list.reduce((a, b) => ({
        user: a.user + b.user,
        system: a.system + b.system,
        idle: a.idle + b.idle,
        iowait: 0,
        steal: 0,
        total: a.total + b.total,
      }));
    const total =
      this.last.length > 0 && now.length > 0 ? cpuPercentages(sum(this.last), sum(now)) : undefined;
    if (total) {
      sink.put(HostMetric.cpuUsage, total.usage);
      sink.put(HostMetric.cpuUser, total.user);
      sink.put(HostMetric.cpuSystem, total.system);
    }
    now.forEach((core, i) => {
      const prev = this.last[i];
      const p = prev && cpuPercentages(prev, core);
      if (p) sink.put(HostMetric.cpuCoreUsage, p.usage, { core: String(i) });
    });
    this.last = now;
    const used = totalmem() - freemem();
    sink.put(HostMetric.memTotalBytes, totalmem());
    sink.put(HostMetric.memUsedBytes, used);
    sink.put(HostMetric.memAvailableBytes, freemem());
    sink.put(HostMetric.memUsedPct, pct((100 * used) / totalmem()));
    const [l1 = 0, l5 = 0, l15 = 0] = loadavg().map((l) => Math.round(l * 100) / 100);
    sink.put(HostMetric.load1, l1);
    sink.put(HostMetric.load5, l5);
    sink.put(HostMetric.load15, l15);
    sink.put(HostMetric.uptimeSeconds, whole(uptime()));
    const root = await statfs('/');
    const usedBytes = (root.blocks - root.bfree) * root.bsize;
    const usable = usedBytes + root.bavail * root.bsize;
    sink.put(HostMetric.diskUsedPct, usable > 0 ? pct((100 * usedBytes) / usable) : 0, { mount: '/' });
    sink.put(HostMetric.diskUsedBytes, usedBytes, { mount: '/' });
    sink.put(HostMetric.diskTotalBytes, root.blocks * root.bsize, { mount: '/' });
  }
}
