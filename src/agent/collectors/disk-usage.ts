import { statfs } from 'node:fs/promises';
import { HostMetric } from '../../contract/metrics.ts';
import { type Collector, type CollectorContext, type MetricSink, pct } from '../collector.ts';
import { fields, lines, readText } from './procfs.ts';

/** Filesystems with no disk behind them, plus network ones: a `statfs` on a dead NFS server hangs. */
// biome-ignore format: a table
const SKIPPED_TYPES = new Set([
  'autofs', 'binfmt_misc', 'bpf', 'cgroup', 'cgroup2', 'configfs', 'debugfs', 'devpts', 'devtmpfs',
  'efivarfs', 'fusectl', 'hugetlbfs', 'mqueue', 'nsfs', 'proc', 'pstore', 'ramfs', 'rpc_pipefs',
  'securityfs', 'selinuxfs', 'squashfs', 'sysfs', 'tmpfs', 'tracefs', 'nfsd', 'overlay', 'iso9660',
  'fuse.lxcfs', 'fuse.gvfsd-fuse', 'fuse.portal', 'fuse.snapfuse', 'nfs', 'nfs4', 'cifs', 'smb3',
  'smbfs', 'fuse.sshfs', 'ceph', 'glusterfs', '9p', 'afs',
]);
/** Mount points below these are the system's own or a container runtime's layers. */
const SKIPPED_PREFIXES = [
  '/proc',
  '/sys',
  '/dev',
  '/run',
  '/snap',
  '/var/lib/docker',
  '/var/lib/containers',
  '/var/lib/kubelet',
];

export interface Mount {
  readonly device: string;
  readonly path: string;
  readonly type: string;
}

/** /proc/mounts escapes space, tab, newline and backslash in paths as octal (`\040`). */
function unescapeMount(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
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
    const skipped =
      SKIPPED_TYPES.has(type) || SKIPPED_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
    if (path !== '/' && skipped) continue;
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
