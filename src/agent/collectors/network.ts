import { HostMetric } from '../../contract/metrics.ts';
import { type Collector, type CollectorContext, type MetricSink, whole } from '../collector.ts';
import { CounterSet, platformCounterBits } from '../rate.ts';
import { lines, readText } from './procfs.ts';

/**
 * Interfaces left out: loopback, and the per-container `veth` pairs of Docker and Kubernetes, whose
 * names change with every container and would each make new series.
 */
export function reportedInterface(name: string): boolean {
  return name !== 'lo' && !name.startsWith('veth');
}

/** Received and transmitted bytes so far per interface, from /proc/net/dev. */
export function parseNetDev(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const line of lines(text)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    if (!reportedInterface(name) || f.length < 9) continue;
    out.set(name, [Number(f[0]), Number(f[8])]);
  }
  return out;
}

/** Receive and transmit rates per interface in bytes/s (`net.rx_bps{iface}`, `net.tx_bps{iface}`). */
export class NetworkCollector implements Collector {
  readonly name = 'network';
  private readonly counters = new CounterSet({ bits: platformCounterBits() });

  constructor(private readonly ctx: Pick<CollectorContext, 'proc' | 'clock'>) {}

  async collect(sink: MetricSink): Promise<void> {
    const readings = parseNetDev(await readText(`${this.ctx.proc}/net/dev`));
    for (const [iface, [rx, tx]] of this.counters.update(this.ctx.clock(), readings)) {
      if (rx !== undefined) sink.put(HostMetric.netRxBps, whole(rx), { iface });
      if (tx !== undefined) sink.put(HostMetric.netTxBps, whole(tx), { iface });
    }
  }
}
