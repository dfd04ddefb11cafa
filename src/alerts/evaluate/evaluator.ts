import type { TsdbContext } from '../../tsdb/index.ts';
import type { AlertRule, Observation } from '../contract.ts';
import { ANY_METRIC, type RuleHost } from '../rules/index.ts';
import { type HostIndex, ReadPlan, readIndexes, type WindowLookup } from './read.ts';
import { increase, judge, predict, reduce, type Window } from './reduce.ts';
import { type MatchedSeries, matchSeries, selectHosts } from './select.ts';

/** Interval assumed for push hosts (agents push every few seconds; the self-monitor every 15 s). */
export const PUSH_INTERVAL_MS = 15_000;

/** What the evaluator needs of tenancy. */
export interface EvalHostSource {
  listHosts(org: string): Promise<readonly RuleHost[]>;
}

/** One instance a rule matched, before its window is read. */
interface Target {
  readonly host: RuleHost;
  readonly series?: MatchedSeries;
}

/**
 * How long a host or series may stay silent before a nodata rule breaches: `noData.intervals` × the
 * host's interval (its pull interval; `PUSH_INTERVAL_MS` for push hosts), at least the rule's window.
 */
export function silenceAllowedMs(rule: AlertRule, host: RuleHost): number {
  const interval = host.collector.kind === 'push' ? PUSH_INTERVAL_MS : host.metricsInterval * 1000;
  return Math.max((rule.noData?.intervals ?? 3) * interval, rule.windowMs);
}

/** The window a rule reads: its lookback for predictive rules, else `windowMs`. */
function windowOf(rule: AlertRule): number {
  return rule.kind === 'predictive' && rule.predict ? rule.predict.lookbackMs : rule.windowMs;
}

/**
 * Turns rules into observations for one org at one instant. The hosts, series registries and newest
 * samples are read once per call; windows are read once per (host, window length, tier) for every
 * rule sharing them, so many rules over one host cost one read of that host.
 */
export class RuleEvaluator {
  constructor(private readonly deps: { readonly ctx: TsdbContext; readonly hosts: EvalHostSource }) {}

  async evaluate(org: string, rules: readonly AlertRule[], now: number): Promise<Map<string, Observation[]>> {
    const hosts = await this.deps.hosts.listHosts(org);
    const targetsOf = new Map<string, RuleHost[]>();
    const needed = new Set<string>();
    for (const rule of rules) {
      const selected = selectHosts(rule.selector, hosts);
      targetsOf.set(rule.id, selected);
      for (const h of selected) needed.add(h.id);
    }
    const indexes = await readIndexes(this.deps.ctx, org, [...needed]);
    const plan = new ReadPlan();
    const targets = new Map<string, Target[]>();
    for (const rule of rules) {
      const list = expand(rule, targetsOf.get(rule.id) ?? [], indexes);
      targets.set(rule.id, list);
      if (rule.kind !== 'nodata') for (const r of planned(rule, list)) plan.add(r);
    }
    const windows = await plan.run(this.deps.ctx, org, now);
    const out = new Map<string, Observation[]>();
    for (const rule of rules) {
      const list = targets.get(rule.id) ?? [];
      out.set(
        rule.id,
        list.map((t) => observe(rule, t, indexes, windows, now)),
      );
    }
    return out;
  }
}

/** The instances of a rule: one per host for a host-level nodata rule, else one per matched series. */
function expand(rule: AlertRule, hosts: readonly RuleHost[], indexes: Map<string, HostIndex>): Target[] {
  if (rule.kind === 'nodata' && rule.selector.metric === ANY_METRIC) return hosts.map((host) => ({ host }));
  const out: Target[] = [];
  for (const host of hosts) {
    const index = indexes.get(host.id);
    if (!index) continue;
    for (const series of matchSeries(rule.selector, index.series, index.keys)) out.push({ host, series });
  }
  return out;
}

function planned(rule: AlertRule, targets: readonly Target[]) {
  const windowMs = windowOf(rule);
  const byHost = new Map<string, string[]>();
  for (const t of targets) {
    if (!t.series) continue;
    const keys = byHost.get(t.host.id) ?? [];
    const s = t.series;
    if (s.derived) keys.push(s.derived.numerator, s.derived.denominator);
    else keys.push(s.key);
    byHost.set(t.host.id, keys);
  }
  return [...byHost].map(([host, keys]) => ({ host, windowMs, reduction: rule.reduction, keys }));
}

function observe(
  rule: AlertRule,
  t: Target,
  indexes: Map<string, HostIndex>,
  windows: WindowLookup,
  now: number,
): Observation {
  const host = t.host.id;
  const labels = { ...(t.series?.labels ?? {}), host };
  const base = t.series
    ? { ruleId: rule.id, instance: `${host}|${t.series.key}`, host, series: t.series.key, labels, at: now }
    : { ruleId: rule.id, instance: host, host, labels, at: now };
  if (rule.kind === 'nodata') return { ...base, ...silence(rule, t, indexes.get(host), now) };
  const value = observedValue(rule, t, windows, now);
  return { ...base, value, state: judge(value, rule) };
}

/** A nodata rule's view: seconds since the last sample; breaching past the allowed silence. */
function silence(rule: AlertRule, t: Target, index: HostIndex | undefined, now: number) {
  const last = t.series ? index?.newest.get(t.series.key) : index?.lastSeen;
  const allowed = silenceAllowedMs(rule, t.host);
  if (last === undefined) {
    // Never reported: down once it has existed longer than the allowed silence.
    const state = now - t.host.createdAt > allowed ? ('breaching' as const) : ('ok' as const);
    return { value: null, state };
  }
  const silentMs = Math.max(0, now - last);
  return { value: silentMs / 1000, state: silentMs > allowed ? ('breaching' as const) : ('ok' as const) };
}

function observedValue(rule: AlertRule, t: Target, windows: WindowLookup, now: number): number | null {
  const s = t.series;
  if (!s) return null;
  const windowMs = windowOf(rule);
  const read = (key: string): Window | undefined => windows(t.host.id, windowMs, rule.reduction, key);
  if (s.derived) return ratio(read(s.derived.numerator), read(s.derived.denominator));
  const w = read(s.key);
  if (!w) return null;
  if (rule.kind === 'predictive' && rule.predict) return predict(w, now, rule.predict.horizonMs);
  return reduce(w, rule.reduction);
}

/** Increase of the numerator over increase of the denominator, in percent; null without two points. */
function ratio(num: Window | undefined, den: Window | undefined): number | null {
  if (!num || !den || den.values.length < 2) return null;
  const calls = increase(den);
  return calls > 0 ? (100 * increase(num)) / calls : 0;
}
