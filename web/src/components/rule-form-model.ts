import type { AlertRule, Comparison, Reduction, RuleInput, RuleKind, Severity } from '../api/alerts.ts';
import { durationText, parseDuration } from './alert-text.ts';

/** The rule form's fields as text, and their mapping to and from the API's rule shape. */
export type RuleValues = Record<string, string | boolean>;

export const KINDS: ReadonlyArray<{ id: RuleKind; label: string }> = [
  { id: 'threshold', label: 'Threshold' },
  { id: 'nodata', label: 'No data (host or series silent)' },
  { id: 'predictive', label: 'Predictive (linear fit)' },
];
export const REDUCTIONS: readonly Reduction[] = ['avg', 'max', 'min', 'last', 'rate', 'p95'];
export const COMPARISONS: readonly Comparison[] = ['>', '>=', '<', '<='];

/** Metric names offered in the editor (any stored series name works). */
export const METRICS: readonly string[] = [
  'cpu.usage',
  'mem.used_pct',
  'swap.used_pct',
  'disk.used_pct',
  'load.1',
  'net.rx_bps',
  'net.tx_bps',
  'redis.memory.used_pct',
  'redis.clients.connected_pct',
  'redis.stats.hit_rate_pct',
  'redis.latencystats.p99_usec',
  'vitals.redis.command.p95_ms',
  'vitals.queue.failure_rate_pct',
];

function pairs(record: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(record ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** `a=1, b=2` → {a: '1', b: '2'}; undefined when empty. */
export function parsePairs(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const [k, ...rest] = pair.split('=');
    if (k?.trim()) out[k.trim()] = rest.join('=').trim();
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function initialValues(rule: AlertRule | undefined): RuleValues {
  return {
    id: rule?.id ?? '',
    name: rule?.name ?? '',
    enabled: rule?.enabled ?? true,
    kind: rule?.kind ?? 'threshold',
    metric: rule?.selector.metric ?? 'cpu.usage',
    hostIds: (rule?.selector.hostIds ?? []).join(', '),
    hostLabels: pairs(rule?.selector.hostLabels),
    seriesLabels: pairs(rule?.selector.labels),
    reduction: rule?.reduction ?? 'avg',
    window: durationText(rule?.windowMs ?? 300_000),
    comparison: rule?.comparison ?? '>',
    threshold: String(rule?.threshold ?? 90),
    resolveThreshold: rule?.resolveThreshold === undefined ? '' : String(rule.resolveThreshold),
    for: durationText(rule?.forMs ?? 300_000),
    severity: rule?.severity ?? 'warning',
    noDataIntervals: String(rule?.noData?.intervals ?? 3),
    lookback: durationText(rule?.predict?.lookbackMs ?? 6 * 3_600_000),
    horizon: durationText(rule?.predict?.horizonMs ?? 24 * 3_600_000),
    flapMax: rule?.flapping ? String(rule.flapping.maxChanges) : '',
    flapWindow: rule?.flapping ? durationText(rule.flapping.windowMs) : '1h',
    labels: pairs(rule?.labels),
    summary: rule?.annotations.summary ?? '{{rule}} on {{host}}: {{value}} (threshold {{threshold}})',
    description: rule?.annotations.description ?? '',
  };
}

function oneOf<T extends string>(value: unknown, options: readonly T[], fallback: T): T {
  return options.find((o) => o === value) ?? fallback;
}

/** A slug of the name, for a new rule's id. */
export function idFromName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 64);
}

/**
 * The request body from the form, or the first problem with a field (named as the form shows it).
 * The server checks everything again and names its own field paths.
 */
export function toRuleInput(v: RuleValues, creating: boolean): { input?: RuleInput; problem?: string } {
  const text = (k: string) => (typeof v[k] === 'string' ? String(v[k]).trim() : '');
  const duration = (k: string, label: string) => {
    const ms = parseDuration(text(k));
    if (ms === undefined) throw new Error(`${label}: write it like 30s, 5m, 1h or 1d`);
    return ms;
  };
  const number = (k: string, label: string) => {
    const n = Number(text(k));
    if (text(k) === '' || !Number.isFinite(n)) throw new Error(`${label}: a number is needed`);
    return n;
  };
  try {
    const kind = oneOf<RuleKind>(v.kind, ['threshold', 'nodata', 'predictive'], 'threshold');
    const hostIds = text('hostIds')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const hostLabels = parsePairs(text('hostLabels'));
    const seriesLabels = parsePairs(text('seriesLabels'));
    const labels = parsePairs(text('labels')) ?? {};
    if (!text('name')) throw new Error('Name: needed');
    if (!text('metric')) throw new Error('Metric: needed');
    const flapMax = text('flapMax');
    const input: RuleInput = {
      ...(creating ? { id: text('id') || idFromName(text('name')) } : {}),
      name: text('name'),
      enabled: v.enabled === true,
      kind,
      selector: {
        metric: text('metric'),
        ...(hostIds.length > 0 ? { hostIds } : {}),
        ...(hostLabels ? { hostLabels } : {}),
        ...(seriesLabels ? { labels: seriesLabels } : {}),
      },
      reduction: oneOf<Reduction>(v.reduction, REDUCTIONS, 'avg'),
      windowMs: duration('window', 'Window'),
      comparison: oneOf<Comparison>(v.comparison, COMPARISONS, '>'),
      threshold: number('threshold', 'Threshold'),
      ...(text('resolveThreshold')
        ? { resolveThreshold: number('resolveThreshold', 'Resolve threshold') }
        : {}),
      forMs: duration('for', 'For'),
      severity: oneOf<Severity>(v.severity, ['warning', 'critical'], 'warning'),
      ...(kind === 'nodata' ? { noData: { intervals: number('noDataIntervals', 'Intervals') } } : {}),
      ...(kind === 'predictive'
        ? {
            predict: {
              lookbackMs: duration('lookback', 'Lookback'),
              horizonMs: duration('horizon', 'Horizon'),
            },
          }
        : {}),
      ...(flapMax
        ? {
            flapping: {
              maxChanges: number('flapMax', 'Flapping changes'),
              windowMs: duration('flapWindow', 'Flapping window'),
            },
          }
        : {}),
      labels,
      annotations: {
        summary: text('summary'),
        ...(text('description') ? { description: text('description') } : {}),
      },
    };
    return { input };
  } catch (err: unknown) {
    return { problem: err instanceof Error ? err.message : String(err) };
  }
}

/** "avg of cpu.usage over 5m > 90" — a rule in one line. */
export function ruleSentence(rule: AlertRule): string {
  const window = durationText(rule.windowMs);
  const what = `${rule.reduction} of ${rule.selector.metric} over ${window}`;
  if (rule.kind === 'nodata')
    return `no ${rule.selector.metric} for ${rule.noData?.intervals ?? 3} intervals`;
  if (rule.kind === 'predictive')
    return `${rule.selector.metric} predicted ${rule.comparison} ${rule.threshold} within ${durationText(rule.predict?.horizonMs ?? 0)}`;
  const resolve = rule.resolveThreshold === undefined ? '' : `, resolves past ${rule.resolveThreshold}`;
  return `${what} ${rule.comparison} ${rule.threshold}${resolve}`;
}
