import type { AlertRule, Observation } from '../contract.ts';

const PLACEHOLDER = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_.]*)\s*\}\}/g;

/** A value as annotations show it: up to 4 significant decimals, `n/a` for no data. */
export function formatValue(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return 'n/a';
  return String(Math.round(value * 10_000) / 10_000);
}

/**
 * Renders one template: `{{host}}`, `{{series}}`, `{{value}}`, `{{threshold}}`, `{{rule}}` (the rule's
 * name), `{{severity}}`, `{{labels.<name>}}` (series labels, then rule labels). An unknown placeholder
 * renders empty, so a typo shows as a gap instead of failing the notification.
 */
export function renderTemplate(template: string, rule: AlertRule, obs: Observation): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    if (name.startsWith('labels.')) {
      const label = name.slice('labels.'.length);
      return obs.labels[label] ?? rule.labels[label] ?? '';
    }
    switch (name) {
      case 'host':
        return obs.host;
      case 'series':
        return obs.series ?? '';
      case 'value':
        return formatValue(obs.value);
      case 'threshold':
        return formatValue(rule.threshold);
      case 'rule':
        return rule.name;
      case 'severity':
        return rule.severity;
      default:
        return '';
    }
  });
}

/** The rule's annotations rendered for one observation. */
export function renderAnnotations(
  rule: AlertRule,
  obs: Observation,
): { summary: string; description?: string } {
  const summary = renderTemplate(rule.annotations.summary, rule, obs);
  const { description } = rule.annotations;
  return description === undefined
    ? { summary }
    : { summary, description: renderTemplate(description, rule, obs) };
}
