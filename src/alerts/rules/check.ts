import type { AlertRule, Comparison } from '../contract.ts';
import { invalidRule } from './errors.ts';
import { ANY_METRIC } from './schema.ts';

/** True when `value` is on the breaching side of `threshold`. */
export function breaches(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}

/** True for comparisons that breach upwards (`>`, `>=`). */
export function upwards(comparison: Comparison): boolean {
  return comparison === '>' || comparison === '>=';
}

/**
 * The checks a schema cannot say: fields that belong together. Throws `invalid` naming the field
 * (prefixed with `root`, e.g. `body`), so the API answers 400 before anything is written.
 */
export function checkRule(rule: AlertRule, root: string): void {
  const at = (field: string) => (root ? `${root}.${field}` : field);
  if (rule.kind === 'predictive' && !rule.predict)
    throw invalidRule(at('predict'), 'is required for a predictive rule ({lookbackMs, horizonMs})');
  if (rule.kind === 'nodata' && !rule.noData)
    throw invalidRule(at('noData'), 'is required for a nodata rule ({intervals})');
  if (rule.selector.metric === ANY_METRIC && rule.kind !== 'nodata')
    throw invalidRule(at('selector.metric'), '"*" is allowed for nodata rules only');
  if (
    rule.selector.metric === ANY_METRIC &&
    rule.selector.labels &&
    Object.keys(rule.selector.labels).length > 0
  )
    throw invalidRule(at('selector.labels'), 'cannot be used with metric "*"');
  if (!Number.isFinite(rule.threshold)) throw invalidRule(at('threshold'), 'must be a finite number');
  const resolve = rule.resolveThreshold;
  if (resolve === undefined || rule.kind === 'nodata') return;
  if (!Number.isFinite(resolve)) throw invalidRule(at('resolveThreshold'), 'must be a finite number');
  if (upwards(rule.comparison) ? resolve > rule.threshold : resolve < rule.threshold) {
    const side = upwards(rule.comparison) ? 'at or below' : 'at or above';
    throw invalidRule(
      at('resolveThreshold'),
      `must be ${side} threshold (${rule.threshold}) for comparison "${rule.comparison}"`,
    );
  }
}
