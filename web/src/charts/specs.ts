import { type Figure, hostFigures, type Source } from '../../../src/contract/derive.ts';
import { HostMetric } from '../../../src/contract/metrics.ts';
import { formatNumber, formatPct, formatRate } from '../lib/format.ts';

export interface LineSpec {
  /** Series key, e.g. `disk.used_pct{mount="/"}`; for a derived line, the name of its computed columns. */
  readonly key: string;
  readonly label: string;
  /** Set when the line is computed from other series (node_exporter, Telegraf, Redis names). */
  readonly source?: Source;
}

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly lines: readonly LineSpec[];
  readonly format: (value: unknown) => string;
  /** Fixed y range (percentages); default: from the data. */
  readonly range?: readonly [number, number];
  /** The host threshold drawn across the chart. */
  readonly threshold?: 'cpu' | 'memory' | 'disk';
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

/** A figure as a chart line: the stored series itself, or columns computed under `derived:<id>`. */
function lineOf(id: string, figure: Figure | undefined, label = figure?.label ?? id): LineSpec[] {
  if (!figure) return [];
  const { source } = figure;
  return [source.kind === 'stored' ? { key: source.key, label } : { key: `derived:${id}`, label, source }];
}

/** Load averages under Vitals', node_exporter's and Telegraf's names: the first naming the host has. */
const LOAD_NAMES = [
  [HostMetric.load1, HostMetric.load5, HostMetric.load15],
  ['node_load1', 'node_load5', 'node_load15'],
  ['system.load1', 'system.load5', 'system.load15'],
] as const;

/**
 * The charts of a host page, from the series the host reports (charts without data are left out).
 * CPU, memory and disk come from whichever names the host uses (src/contract/derive.ts).
 */
export function chartSpecs(keys: readonly string[]): ChartSpec[] {
  const has = (k: string) => keys.includes(k);
  const pct = { format: formatPct, range: [0, 100] as const };
  const figures = hostFigures(keys);
  const load = LOAD_NAMES.find((names) => names.some(has)) ?? LOAD_NAMES[0];
  const specs: ChartSpec[] = [
    { id: 'cpu', title: 'CPU', ...pct, threshold: 'cpu', lines: lineOf('cpu', figures.cpu) },
    {
      id: 'memory',
      title: 'Memory',
      ...pct,
      threshold: 'memory',
      lines: [...lineOf('memory', figures.memory), ...lineOf('swap', figures.swap)],
    },
    {
      id: 'disk',
      title: 'Disk used, per mount',
      ...pct,
      threshold: 'disk',
      lines: figures.disks.flatMap((d) => lineOf(`disk:${d.label}`, d)),
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
        { key: load[0], label: '1 min' },
        { key: load[1], label: '5 min' },
        { key: load[2], label: '15 min' },
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
