import { parseSeriesKey, seriesKey } from '../../contract/index.ts';
import type { RuleSelector } from '../contract.ts';
import type { RuleHost } from '../rules/index.ts';

/** One series of a host as the evaluator matches it. */
export interface SeriesInfo {
  readonly key: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Series computed from two counters of the same labels: the increase of `numerator` over the window
 * divided by the increase of `denominator`, in percent. They are matched and read like stored series.
 */
export const DERIVED: ReadonlyArray<{ name: string; numerator: string; denominator: string }> = [
  {
    name: 'vitals.redis.command.error_rate_pct',
    numerator: 'vitals.redis.command.errors',
    denominator: 'vitals.redis.command.calls',
  },
  {
    name: 'redis.stats.error_rate_pct',
    numerator: 'redis.stats.total_error_replies',
    denominator: 'redis.stats.total_commands_processed',
  },
];

/** A matched series: stored (`parts` = itself) or derived (`parts` = numerator, denominator). */
export interface MatchedSeries {
  readonly key: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly derived?: { readonly numerator: string; readonly denominator: string };
}

function hasLabels(
  have: Readonly<Record<string, string>>,
  want: Readonly<Record<string, string>> | undefined,
) {
  if (!want) return true;
  for (const [k, v] of Object.entries(want)) if (have[k] !== v) return false;
  return true;
}

/** The hosts a selector names: by id, by label (all given must match), both, or every host. */
export function selectHosts<H extends RuleHost>(selector: RuleSelector, hosts: readonly H[]): H[] {
  const ids = selector.hostIds ? new Set(selector.hostIds) : undefined;
  return hosts.filter((h) => (!ids || ids.has(h.id)) && hasLabels(h.labels, selector.hostLabels));
}

/** Parses series keys once per round. */
export function seriesInfo(key: string): SeriesInfo {
  const { name, labels } = parseSeriesKey(key);
  return { key, name, labels };
}

/** The series of one host a selector matches (stored ones, or derived ones whose parts exist). */
export function matchSeries(
  selector: RuleSelector,
  series: readonly SeriesInfo[],
  byKey: ReadonlySet<string>,
): MatchedSeries[] {
  const derived = DERIVED.find((d) => d.name === selector.metric);
  if (!derived) {
    return series
      .filter((s) => s.name === selector.metric && hasLabels(s.labels, selector.labels))
      .map((s) => ({ key: s.key, labels: s.labels }));
  }
  return series
    .filter((s) => s.name === derived.denominator && hasLabels(s.labels, selector.labels))
    .filter((s) => byKey.has(seriesKey(derived.numerator, s.labels)))
    .map((s) => ({
      key: seriesKey(derived.name, s.labels),
      labels: s.labels,
      derived: { numerator: seriesKey(derived.numerator, s.labels), denominator: s.key },
    }));
}
