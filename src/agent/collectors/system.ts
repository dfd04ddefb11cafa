import { readdirSync } from 'node:fs';
import { HostMetric } from '../../contract/metrics.ts';
import { type Collector, type CollectorContext, type MetricSink, whole } from '../collector.ts';
import { fields, readText } from './procfs.ts';

/** Load averages (`load.1/5/15`), uptime (`uptime.seconds`) and the number of processes (`proc.count`). */
export class SystemCollector implements Collector {
  readonly name = 'system';

  constructor(private readonly ctx: Pick<CollectorContext, 'proc'>) {}

  async collect(sink: MetricSink): Promise<void> {
    const [loadavg, uptime] = await Promise.all([
      readText(`${this.ctx.proc}/loadavg`),
      readText(`${this.ctx.proc}/uptime`),
    ]);
    // /proc is generated in memory: listing it synchronously is cheaper than a thread-pool round trip.
    const entries = readdirSync(this.ctx.proc);
    const [l1, l5, l15] = fields(loadavg).map(Number);
    // The kernel prints load averages with two decimals already.
    if (l1 !== undefined) sink.put(HostMetric.load1, l1);
    if (l5 !== undefined) sink.put(HostMetric.load5, l5);
    if (l15 !== undefined) sink.put(HostMetric.load15, l15);
    sink.put(HostMetric.uptimeSeconds, whole(Number(fields(uptime)[0])));
    // One numeric directory per process (threads live below them, in task/).
    sink.put(HostMetric.procCount, entries.filter((e) => /^\d+$/.test(e)).length);
  }
}
