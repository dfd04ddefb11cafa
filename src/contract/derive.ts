import { HostMetric } from './metrics.ts';
import { parseSeriesKey } from './series.ts';

/**
 * CPU, memory and disk use in percent, from whichever names a host's series carry: Vitals' own
 * (`cpu.usage`…), Telegraf's (`cpu.usage_idle{cpu="cpu-total"}`, `mem.used_percent`,
 * `disk.used_percent{path}`), node_exporter's (`node_cpu_seconds_total{cpu,mode}`,
 * `node_memory_MemAvailable_bytes` / `…MemTotal_bytes`, `node_filesystem_avail_bytes` / `…size_bytes`)
 * and Redis' (`redis.memory.used_pct`, `used_memory` / `maxmemory`). The overview (on the server) and
 * the host page (in the browser) both judge a host against its thresholds through this one table.
 */
export type Source =
  /** A percentage as stored. */
  | { readonly kind: 'stored'; readonly key: string }
  /** 100 − a stored percentage (an idle share). */
  | { readonly kind: 'complement'; readonly key: string }
  /** 100 × part / whole, or 100 × (1 − part / whole) when the part is what is free. */
  | { readonly kind: 'ratio'; readonly part: string; readonly whole: string; readonly free: boolean }
  /** Busy share of CPU time counters (seconds per mode): 100 × (1 − Δidle / Δall) between two readings. */
  | { readonly kind: 'counters'; readonly idle: readonly string[]; readonly all: readonly string[] };

export interface Figure {
  readonly source: Source;
  /** What the figure is, for a chart line: `RAM used`, `Used of maxmemory`, a mount point. */
  readonly label: string;
}

/** What a host's series let us tell; a figure the names do not allow is left out. */
export interface HostFigures {
  readonly cpu?: Figure;
  readonly memory?: Figure;
  readonly swap?: Figure;
  /** Per mount point, sorted by it. */
  readonly disks: readonly Figure[];
}

/** File systems that are always full or live in memory: never judged as disks. */
const PSEUDO_FS = new Set(['tmpfs', 'devtmpfs', 'ramfs', 'squashfs', 'overlay', 'nsfs', 'autofs', 'iso9660']);
/** Per-CPU time counters by mode, as node_exporter and windows_exporter name them. */
const CPU_COUNTERS = ['node_cpu_seconds_total', 'windows_cpu_time_total'];

type Parsed = { readonly key: string; readonly labels: Readonly<Record<string, string>> };

/** The series of a host by metric name. */
class KeyIndex {
  private readonly byName = new Map<string, Parsed[]>();

  constructor(keys: Iterable<string>) {
    for (const key of keys) {
      const { name, labels } = parseSeriesKey(key);
      const list = this.byName.get(name) ?? [];
      list.push({ key, labels });
      this.byName.set(name, list);
    }
  }

  named(name: string): readonly Parsed[] {
    return this.byName.get(name) ?? [];
  }

  has(key: string): boolean {
    return this.named(parseSeriesKey(key).name).some((p) => p.key === key);
  }
}

const stored = (key: string): Source => ({ kind: 'stored', key });
const ratio = (part: string, whole: string, free: boolean): Source => ({ kind: 'ratio', part, whole, free });

/** The first of `candidates` whose series the host has. */
function first(index: KeyIndex, candidates: ReadonlyArray<[Source, string]>): Figure | undefined {
  for (const [source, label] of candidates) {
    if (sourceKeys(source).every((key) => index.has(key))) return { source, label };
  }
  return undefined;
}

function cpuFigure(index: KeyIndex): Figure | undefined {
  const known = first(index, [
    [stored(HostMetric.cpuUsage), 'CPU used'],
    [{ kind: 'complement', key: 'cpu.usage_idle{cpu="cpu-total"}' }, 'CPU used'],
  ]);
  if (known) return known;
  for (const name of CPU_COUNTERS) {
    const all = index.named(name);
    const idle = all.filter((p) => p.labels.mode === 'idle').map((p) => p.key);
    if (idle.length > 0)
      return { source: { kind: 'counters', idle, all: all.map((p) => p.key) }, label: 'CPU used' };
  }
  return undefined;
}

function memoryFigure(index: KeyIndex): Figure | undefined {
  return first(index, [
    [stored(HostMetric.memUsedPct), 'RAM used'],
    [stored('mem.used_percent'), 'RAM used'],
    [ratio('node_memory_MemAvailable_bytes', 'node_memory_MemTotal_bytes', true), 'RAM used'],
    [stored('redis.memory.used_pct'), 'Used of maxmemory'],
    [ratio('redis.memory.used_memory', 'redis.memory.maxmemory', false), 'Used of maxmemory'],
    [ratio('redis_memory_used_bytes', 'redis_memory_max_bytes', false), 'Used of maxmemory'],
  ]);
}

function swapFigure(index: KeyIndex): Figure | undefined {
  return first(index, [
    [stored(HostMetric.swapUsedPct), 'Swap used'],
    [stored('swap.used_percent'), 'Swap used'],
    [ratio('node_memory_SwapFree_bytes', 'node_memory_SwapTotal_bytes', true), 'Swap used'],
  ]);
}

/** Disks of the first naming that has any: Vitals' `mount`, Telegraf's `path`, node_exporter's `mountpoint`. */
function diskFigures(index: KeyIndex): Figure[] {
  const byMount = (name: string, label: string, source: (p: Parsed) => Source | undefined) =>
    index.named(name).flatMap((p) => {
      const mount = p.labels[label];
      const s = mount === undefined || PSEUDO_FS.has(p.labels.fstype ?? '') ? undefined : source(p);
      return s && mount !== undefined ? [{ source: s, label: mount }] : [];
    });
  const families = [
    () => byMount(HostMetric.diskUsedPct, 'mount', (p) => stored(p.key)),
    () => byMount('disk.used_percent', 'path', (p) => stored(p.key)),
    () =>
      byMount('node_filesystem_avail_bytes', 'mountpoint', (p) => {
        const size = `node_filesystem_size_bytes${p.key.slice('node_filesystem_avail_bytes'.length)}`;
        return index.has(size) ? ratio(p.key, size, true) : undefined;
      }),
  ];
  for (const family of families) {
    const disks = family();
    if (disks.length > 0) return disks.sort((a, b) => a.label.localeCompare(b.label));
  }
  return [];
}

/** What CPU, memory, swap and disk figures the series `keys` of one host allow. */
export function hostFigures(keys: Iterable<string>): HostFigures {
  const index = new KeyIndex(keys);
  return {
    cpu: cpuFigure(index),
    memory: memoryFigure(index),
    swap: swapFigure(index),
    disks: diskFigures(index),
  };
}

/** The series a figure is computed from. */
export function sourceKeys(source: Source): string[] {
  switch (source.kind) {
    case 'stored':
    case 'complement':
      return [source.key];
    case 'ratio':
      return [source.part, source.whole];
    case 'counters':
      return [...new Set([...source.idle, ...source.all])];
  }
}
