import { memoryMetrics, parseMeminfo } from '../../contract/procfs.ts';
import type { Collector, CollectorContext, MetricSink } from '../collector.ts';
import { readText } from './procfs.ts';

export { parseMeminfo } from '../../contract/procfs.ts';

/** Memory and swap (`mem.*`, `swap.*`) from /proc/meminfo; "used" is total minus available, as `free`. */
export class MemoryCollector implements Collector {
  readonly name = 'memory';

  constructor(private readonly ctx: Pick<CollectorContext, 'proc'>) {}

  async collect(sink: MetricSink): Promise<void> {
    const info = parseMeminfo(await readText(`${this.ctx.proc}/meminfo`));
    for (const [name, value] of memoryMetrics(info)) sink.put(name, value);
  }
}
