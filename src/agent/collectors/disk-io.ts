import { readdirSync } from 'node:fs';
import { HostMetric } from '../../contract/metrics.ts';
import { type Collector, type CollectorContext, type MetricSink, whole } from '../collector.ts';
import { CounterSet, platformCounterBits } from '../rate.ts';
import { fields, lines, readText } from './procfs.ts';

/** /proc/diskstats counts 512-byte sectors whatever the device's real sector size. */
const SECTOR_BYTES = 512;
/** Virtual block devices with no disk of their own. */
const SKIPPED = /^(loop|ram|zram|fd|sr|nbd)\d/;

/** Bytes read and written so far per device name, from /proc/diskstats. */
export function parseDiskstats(text: string, keep: (device: string) => boolean): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const line of lines(text)) {
    const f = fields(line);
    const device = f[2];
    if (device === undefined || f.length < 10 || SKIPPED.test(device) || !keep(device)) continue;
    out.set(device, [Number(f[5]) * SECTOR_BYTES, Number(f[9]) * SECTOR_BYTES]);
  }
  return out;
}

/** The whole disks (not partitions), or undefined where /sys/block cannot be listed (keep everything). */
function wholeDisks(sys: string): Set<string> | undefined {
  try {
    return new Set(readdirSync(`${sys}/block`));
  } catch {
    return undefined;
  }
}

/**
 * Read and write rates per whole disk (`disk.read_bps{device}`, `disk.write_bps{device}`). Partitions are
 * left out (their traffic is the disk's): whole disks are the entries of /sys/block.
 */
export class DiskIoCollector implements Collector {
  readonly name = 'disk-io';
  private readonly counters = new CounterSet({ bits: platformCounterBits() });

  constructor(private readonly ctx: Pick<CollectorContext, 'proc' | 'sys' | 'clock'>) {}

  async collect(sink: MetricSink): Promise<void> {
    // Listed every time (disks come and go: hot-plug, LVM); /sys is in memory, so synchronously.
    const disks = wholeDisks(this.ctx.sys);
    const readings = parseDiskstats(
      await readText(`${this.ctx.proc}/diskstats`),
      (d) => !disks || disks.has(d),
    );
    for (const [device, [read, write]] of this.counters.update(this.ctx.clock(), readings)) {
      const labels = { device };
      if (read !== undefined) sink.put(HostMetric.diskReadBps, whole(read), labels);
      if (write !== undefined) sink.put(HostMetric.diskWriteBps, whole(write), labels);
    }
  }
}
