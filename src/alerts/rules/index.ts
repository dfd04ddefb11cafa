// Alert rules: schema, checks, templates, built-in defaults and the per-org store.
export { breaches, checkRule, upwards } from './check.ts';
export {
  builtInRules,
  HOST_DEFAULTS,
  hostDefaultId,
  isReservedId,
  type RedisRuleThresholds,
  type RuleHost,
  redisDefaults,
} from './defaults.ts';
export { AlertRuleError, invalidRule } from './errors.ts';
export {
  ANY_METRIC,
  Preview,
  PreviewItem,
  RuleCreate,
  RuleList,
  RulePatch,
  StoredRule,
} from './schema.ts';
export { applyPatch, type RuleHostSource, RuleStore, type RuleStoreDeps } from './store.ts';
export { formatValue, renderAnnotations, renderTemplate } from './template.ts';
