import { HostMetric } from '../contract/index.ts';
import { cpuPercentages, memoryMetrics, pct } from '../contract/procfs.ts';
import type { SampleSet } from './collector.ts';
import {
  type CpuTimes,
  mountTypes,
  parseCpuTimes,
  parseDf,
  parseMeminfo,
  parseNetDev,
} from './proc-parse.ts';

/** Counter readings of the previous collection of a host, kept in Redis between collections. */
export interface ProcState {
  /** Wall-clock ms of the reading. */
  readonly at: number;
  readonly cpu: Record<string, CpuTimes>;
  readonly net: Record<string, [number, number]>;
}

/** Rates above 1e12 B/s (8 Tbit/s) are impossible: a counter glitch, dropped. */
const MAX_RATE = 1e12;

function putCpu(set: SampleSet, prev: ProcState['cpu'] | undefined, cur: ProcState['cpu']): void {
  for (const [id, times] of Object.entries(cur)) {
    const before = prev?.[id];
    const p = before && cpuPercentages(before, times);
    if (!p) continue;
    if (id !== 'cpu') {
      set.put(HostMetric.cpuCoreUsage, p.usage, { core: id.slice(3) });
      continue;
    }
    set.put(HostMetric.cpuUsage, p.usage);
    set.put(HostMetric.cpuUser, p.user);
    set.put(HostMetric.cpuSystem, p.system);
    set.put(HostMetric.cpuIowait, p.iowait);
    set.put(HostMetric.cpuSteal, p.steal);
  }
}

/** Counters only grow; a decrease is a reset (reboot, re-created interface): count from zero. */
function rate(prev: number, cur: number, seconds: number): number | undefined {
  if (!(seconds > 0) || !Number.isFinite(prev) || !Number.isFinite(cur) || prev < 0 || cur < 0)
    return undefined;
  const r = (cur >= prev ? cur - prev : cur) / seconds;
  return r <= MAX_RATE ? Math.round(r) : undefined;
}

function putNet(set: SampleSet, prev: ProcState | undefined, cur: ProcState['net'], now: number): void {
  if (!prev) return;
  const seconds = (now - prev.at) / 1000;
  for (const [iface, [rx, tx]] of Object.entries(cur)) {
    const before = prev.net[iface];
    if (!before) continue;
    const rxRate = rate(before[0], rx, seconds);
    const txRate = rate(before[1], tx, seconds);
    if (rxRate !== undefined) set.put(HostMetric.netRxBps, rxRate, { iface });
    if (txRate !== undefined) set.put(HostMetric.netTxBps, txRate, { iface });
  }
}

function putMemory(set: SampleSet, text: string): void {
  for (const [name, value] of memoryMetrics(parseMeminfo(text))) set.put(name, value);
}

function putSystem(set: SampleSet, sections: ReadonlyMap<string, string>): void {
  const [l1, l5, l15] = (sections.get('loadavg') ?? '').trim().split(/\s+/).map(Number);
  // The kernel prints load averages with two decimals already.
  for (const [name, v] of [
    [HostMetric.load1, l1],
    [HostMetric.load5, l5],
    [HostMetric.load15, l15],
  ] as const) {
    if (v !== undefined && Number.isFinite(v)) set.put(name, v);
  }
  const uptime = Number((sections.get('uptime') ?? '').trim().split(/\s+/)[0]);
  if (Number.isFinite(uptime)) set.put(HostMetric.uptimeSeconds, Math.round(uptime));
  const procs = Number((sections.get('procs') ?? '').trim());
  if ((sections.get('procs') ?? '').trim() !== '' && Number.isFinite(procs))
    set.put(HostMetric.procCount, procs);
}

function putDisks(set: SampleSet, sections: ReadonlyMap<string, string>): void {
  for (const disk of parseDf(sections.get('df') ?? '', mountTypes(sections.get('mounts') ?? ''))) {
    const labels = { mount: disk.mount };
    // As `df`: the share of the space an unprivileged user can use, so root's reserve counts as full.
    const usable = disk.usedBytes + disk.availableBytes;
    set.put(HostMetric.diskUsedPct, usable > 0 ? pct((100 * disk.usedBytes) / usable) : 0, labels);
    set.put(HostMetric.diskUsedBytes, disk.usedBytes, labels);
    set.put(HostMetric.diskTotalBytes, disk.totalBytes, labels);
  }
}

/** Samples of one collection, and the counter state to keep for the next one's rates. */
export function procSamples(
  sections: ReadonlyMap<string, string>,
  prev: ProcState | undefined,
  now: number,
  set: SampleSet,
): ProcState {
  const cpu = parseCpuTimes(sections.get('stat') ?? '');
  const net = parseNetDev(sections.get('netdev') ?? '');
  putCpu(set, prev?.cpu, cpu);
  putNet(set, prev, net, now);
  if (sections.has('meminfo')) putMemory(set, sections.get('meminfo') ?? '');
  putSystem(set, sections);
  putDisks(set, sections);
  return { at: now, cpu, net };
}
