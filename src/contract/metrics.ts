/**
 * Host metric names shared by the agent, the collectors, the server and the dashboard (DESIGN §2).
 * Labelled series are written `name{label="value"}` (see `seriesKey`).
 */
export const HostMetric = {
  cpuUsage: 'cpu.usage',
  cpuUser: 'cpu.user',
  cpuSystem: 'cpu.system',
  cpuIowait: 'cpu.iowait',
  cpuSteal: 'cpu.steal',
  /** Label `core`. */
  cpuCoreUsage: 'cpu.core.usage',
  memUsedPct: 'mem.used_pct',
  memUsedBytes: 'mem.used_bytes',
  memTotalBytes: 'mem.total_bytes',
  memAvailableBytes: 'mem.available_bytes',
  swapUsedPct: 'swap.used_pct',
  swapUsedBytes: 'swap.used_bytes',
  swapTotalBytes: 'swap.total_bytes',
  /** Label `mount`. */
  diskUsedPct: 'disk.used_pct',
  diskUsedBytes: 'disk.used_bytes',
  diskTotalBytes: 'disk.total_bytes',
  /** Label `device`. */
  diskReadBps: 'disk.read_bps',
  diskWriteBps: 'disk.write_bps',
  /** Label `iface`. */
  netRxBps: 'net.rx_bps',
  netTxBps: 'net.tx_bps',
  load1: 'load.1',
  load5: 'load.5',
  load15: 'load.15',
  uptimeSeconds: 'uptime.seconds',
  procCount: 'proc.count',
  /** Label `sensor`. */
  tempCelsius: 'temp.celsius',
} as const;

export type HostMetricName = (typeof HostMetric)[keyof typeof HostMetric];

/**
 * The snapshot row the original API promised, `{timestamp, cpu, memory, …}`: short field → series
 * key. Fields of series a host does not report are left out of its rows.
 */
export const SNAPSHOT_FIELDS: Readonly<Record<string, string>> = {
  cpu: 'cpu.usage',
  memory: 'mem.used_pct',
  swap: 'swap.used_pct',
  disk: 'disk.used_pct{mount="/"}',
  load1: 'load.1',
  load5: 'load.5',
  load15: 'load.15',
  uptime: 'uptime.seconds',
  processes: 'proc.count',
};
