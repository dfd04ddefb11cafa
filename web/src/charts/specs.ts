import { HostMetric } from '../../../src/contract/metrics.ts';
import { formatNumber, formatPct, formatRate } from '../lib/format.ts';

export interface LineSpec {
  /** Series key, e.g. `disk.used_pct{mount="/"}`. */
  readonly key: string;
  readonly label: string;
}

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly lines: readonly LineSpec[];
  readonly format: (value: unknown) => string;
  /** Fixed y range (percentages); default: from the data. */
  readonly range?: readonly [number, number];
}

/** `name{a="x",b="y"}` → name and labels (values unescaped). */
export function parseKey(key: string): { name: string; labels: Record<string, string> } {
  const brace = key.indexOf('{');
  if (brace < 0) return { name: key, labels: {} };
  const labels: Record<string, string> = {};
  for (const m of key.slice(brace).matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    labels[m[1] ?? ''] = (m[2] ?? '').replace(/\\(.)/g, '$1');
  }
  return { name: key.slice(0, brace), labels };
}

function byLabel(
  keys: readonly string[],
  name: string,
  label: string,
  skip: (v: string) => boolean = () => false,
) {
  return keys
    .map((key) => ({ key, ...parseKey(key) }))
    .filter((k) => k.name === name && !skip(k.labels[label] ?? ''))
    .sort((a, b) => (a.labels[label] ?? '').localeCompare(b.labels[label] ?? ''));
}

/** The charts of a host page, from the series the host reports (charts without data are left out). */
export function chartSpecs(keys: readonly string[]): ChartSpec[] {
  const has = (k: string) => keys.includes(k);
  const pct = { format: formatPct, range: [0, 100] as const };
  const specs: ChartSpec[] = [
    {
      id: 'cpu',
      title: 'CPU',
      ...pct,
      lines: [{ key: HostMetric.cpuUsage, label: 'CPU used' }].filter((l) => has(l.key)),
    },
    {
      id: 'memory',
      title: 'Memory',
      ...pct,
      lines: [
        { key: HostMetric.memUsedPct, label: 'RAM used' },
        { key: HostMetric.swapUsedPct, label: 'Swap used' },
      ].filter((l) => has(l.key)),
    },
    {
      id: 'disk',
      title: 'Disk used, per mount',
      ...pct,
      lines: byLabel(keys, HostMetric.diskUsedPct, 'mount').map((k) => ({
        key: k.key,
        label: k.labels.mount ?? k.key,
      })),
    },
    {
      id: 'network',
      title: 'Network',
      format: (v) => formatRate(v),
      lines: [HostMetric.netRxBps, HostMetric.netTxBps].flatMap((name) =>
        byLabel(keys, name, 'iface', (iface) => iface === 'lo').map((k) => ({
          key: k.key,
          label: `${k.labels.iface ?? ''} ${name === HostMetric.netRxBps ? 'in' : 'out'}`,
        })),
      ),
    },
    {
      id: 'load',
      title: 'Load average',
      format: (v) => formatNumber(v),
      lines: [
        { key: HostMetric.load1, label: '1 min' },
        { key: HostMetric.load5, label: '5 min' },
        { key: HostMetric.load15, label: '15 min' },
      ].filter((l) => has(l.key)),
    },
  ];
  return specs.filter((s) => s.lines.length > 0);
}

/** Line colours, distinguishable in both themes. */
export const PALETTE = [
  '#3b82f6',
  '#f59e0b',
  '#10b981',
  '#ef4444',
  '#8b5cf6',
  '#06b6d4',
  '#ec4899',
  '#84cc16',
];
