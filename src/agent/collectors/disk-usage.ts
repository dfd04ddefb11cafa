import { statfs } from 'node:fs/promises';
import { HostMetric } from '../../contract/metrics.ts';
import { skippedMount, unescapeMount } from '../../contract/procfs.ts';
import { type Collector, type CollectorContext, type MetricSink, pct } from '../collector.ts';
import { fields, lines, readText } from './procfs.ts';

export interface Mount {
  readonly device: string;
  readonly path: string;
  readonly type: string;
}

/**
 * The mounts worth reporting: real filesystems, each device once (bind mounts repeat a device; the
 * shortest mount point wins). `/` is always kept, even on an overlay root inside a container.
 */
export function reportableMounts(mountsText: string): Mount[] {
  const byDevice = new Map<string, Mount>();
  for (const line of lines(mountsText)) {
    const [device = '', rawPath = '', type = ''] = fields(line);
    const path = unescapeMount(rawPath);
    if (skippedMount(type, path)) continue;
    const seen = byDevice.get(device);
    if (!seen || path.length < seen.path.length) byDevice.set(device, { device, path, type });
  }
  return [...byDevice.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Usage of each mounted filesystem (`disk.used_pct{mount}`, `disk.used_bytes`, `disk.total_bytes`). */
export class DiskUsageCollector implements Collector {
  readonly name = 'disk-usage';

  constructor(private readonly ctx: Pick<CollectorContext, 'proc'>) {}

  async collect(sink: MetricSink): Promise<void> {
    const mounts = reportableMounts(await readText(`${this.ctx.proc}/mounts`));
    const stats = await Promise.allSettled(mounts.map((m) => statfs(m.path)));
    mounts.forEach((mount, i) => {
      const result = stats[i];
      if (result?.status !== 'fulfilled' || result.value.blocks === 0) return;
      const { bsize, blocks, bfree, bavail } = result.value;
      const used = (blocks - bfree) * bsize;
      // As `df`: the share of the space an unprivileged user can use, so root's reserve counts as full.
      const usable = used + bavail * bsize;
      const labels = { mount: mount.path };
      sink.put(HostMetric.diskUsedPct, usable > 0 ? pct((100 * used) / usable) : 0, labels);
      sink.put(HostMetric.diskUsedBytes, used, labels);
      sink.put(HostMetric.diskTotalBytes, blocks * bsize, labels);
    });
  }
}
