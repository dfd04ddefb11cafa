import type { Snapshot } from '../contract/wire.ts';
import { type Collector, MetricSink } from './collector.ts';
import type { AgentLogger } from './logger.ts';

/**
 * Runs every collector for one snapshot. A collector that fails is logged when its error changes (not
 * every interval) and the others still report.
 */
export class Sampler {
  private readonly lastError = new Map<string, string>();

  constructor(
    private readonly collectors: readonly Collector[],
    private readonly logger: AgentLogger,
  ) {}

  async sample(timestamp: number): Promise<Snapshot> {
    const sink = new MetricSink();
    const results = await Promise.allSettled(this.collectors.map((c) => c.collect(sink)));
    results.forEach((result, i) => {
      const name = this.collectors[i]?.name ?? String(i);
      if (result.status === 'fulfilled') {
        if (this.lastError.delete(name)) this.logger.info({ collector: name }, 'collector recovered');
        return;
      }
      const message = result.reason instanceof Error ? result.reason.message : String(result.reason);
      if (this.lastError.get(name) === message) return;
      this.lastError.set(name, message);
      this.logger.warn({ collector: name, err: result.reason }, 'collector failed; its metrics are left out');
    });
    return { timestamp, metrics: sink.values };
  }
}
