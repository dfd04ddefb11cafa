import { HostMetric, type HostMetricName } from './metrics.ts';

/**
 * How Linux /proc figures become host metrics, shared by the push agent (reading its own /proc) and
 * the SSH collector (reading a remote one), so a host reads the same whether it pushes or is pulled:
 * nice counts as user, irq + softirq as system; "used" memory is total − available (as `free`);
 * pseudo, network and container filesystems are left out. Values are rounded the way the storage
 * likes them: short decimals cost the codec about one byte per sample.
 */

/** Percentages keep 2 decimals. */
export function pct(value: number): number {
  return Math.round(value * 100) / 100;
}

/** CPU shares keep 1 decimal. */
export function oneDecimal(value: number): number {
  return Math.round(value * 10) / 10;
}

const fields = (line: string) => line.trim().split(/\s+/);

/** Jiffies of one `cpu` line of /proc/stat, grouped the way the metrics report them. */
export interface CpuTimes {
  readonly user: number;
  readonly system: number;
  readonly idle: number;
  readonly iowait: number;
  readonly steal: number;
  readonly total: number;
}

/** A `cpu…` line: user nice system idle iowait irq softirq steal (guest time is already in user). */
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
  // Each field is clamped: iowait steps backwards on some kernels, and a reboot resets all of them.
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

/** /proc/meminfo as bytes by field name. */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (match?.[1] && match[2])
      out.set(match[1], Number(match[2]) * (line.trimEnd().endsWith('kB') ? 1024 : 1));
  }
  return out;
}

/** `mem.*` and `swap.*` metrics from parsed /proc/meminfo, as [name, value] pairs. */
export function memoryMetrics(info: ReadonlyMap<string, number>): Array<[HostMetricName, number]> {
  const out: Array<[HostMetricName, number]> = [];
  const total = info.get('MemTotal') ?? 0;
  // Kernels before 3.14 have no MemAvailable; free + page cache is the usual estimate there.
  const available =
    info.get('MemAvailable') ??
    (info.get('MemFree') ?? 0) + (info.get('Buffers') ?? 0) + (info.get('Cached') ?? 0);
  if (total > 0) {
    const used = Math.max(0, total - available);
    out.push(
      [HostMetric.memTotalBytes, total],
      [HostMetric.memAvailableBytes, available],
      [HostMetric.memUsedBytes, used],
    );
    out.push([HostMetric.memUsedPct, pct((100 * used) / total)]);
  }
  const swapTotal = info.get('SwapTotal') ?? 0;
  const swapUsed = Math.max(0, swapTotal - (info.get('SwapFree') ?? 0));
  out.push([HostMetric.swapTotalBytes, swapTotal], [HostMetric.swapUsedBytes, swapUsed]);
  out.push([HostMetric.swapUsedPct, swapTotal > 0 ? pct((100 * swapUsed) / swapTotal) : 0]);
  return out;
}

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

/** Whether a mount is left out of disk metrics; `/` is always kept, even on an overlay root. */
export function skippedMount(type: string, path: string): boolean {
  if (path === '/') return false;
  return SKIPPED_TYPES.has(type) || SKIPPED_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
}

/** /proc/mounts escapes space, tab, newline and backslash in paths as octal (`\040`). */
export function unescapeMount(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}
