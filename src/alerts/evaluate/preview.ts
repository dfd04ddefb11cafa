import type { AlertRule, Observation } from '../contract.ts';
import type { RuleEvaluator } from './evaluator.ts';

/** Matches a preview lists at most. */
export const PREVIEW_LIMIT = 500;

export interface RulePreview {
  readonly rule: AlertRule;
  readonly wouldFire: boolean;
  readonly matches: Observation[];
  readonly truncated: boolean;
}

/**
 * What a rule would observe now, whether enabled or not: every series it matches with its reduced
 * value and state (breaching first). `wouldFire`: some series breaches now (firing itself waits `forMs`).
 */
export async function previewRule(
  evaluator: RuleEvaluator,
  rule: AlertRule,
  now: number,
): Promise<RulePreview> {
  const observed = (await evaluator.evaluate(rule.org, [rule], now)).get(rule.id) ?? [];
  const order = { breaching: 0, between: 1, nodata: 2, ok: 3 } as const;
  const sorted = [...observed].sort(
    (a, b) => order[a.state] - order[b.state] || (a.instance < b.instance ? -1 : 1),
  );
  return {
    rule,
    wouldFire: observed.some((o) => o.state === 'breaching'),
    matches: sorted.slice(0, PREVIEW_LIMIT),
    truncated: sorted.length > PREVIEW_LIMIT,
  };
}
