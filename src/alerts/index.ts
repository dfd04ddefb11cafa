// Alerting: rules, evaluation, lifecycle and notifications. The public surface; other folders import
// only this file.
export type * from './contract.ts';
export {
  EvaluationLoop,
  type EvaluationStatus,
  previewRule,
  type RoundFigures,
  RuleEvaluator,
  type RulePreview,
} from './evaluate/index.ts';
export {
  CHANNEL_KINDS,
  Channel,
  ChannelCreate,
  ChannelError,
  type ChannelKind,
  ChannelPatch,
  DELIVER_QUEUE,
  DELIVERY_STATUSES,
  type DeliveryFigures,
  type DeliveryOptions,
  type DeliveryRecord,
  type DeliveryStatus,
  deliveryCheck,
  isDeliveryJobOf,
  maskChannel,
  Notifier,
  type NotifierDeps,
  type Sealer,
} from './notify/index.ts';
export { alertDataKeys } from './org-keys.ts';
export {
  AlertRuleError,
  builtInRules,
  Preview,
  type RedisRuleThresholds,
  RuleCreate,
  type RuleHost,
  RuleList,
  RulePatch,
  RuleStore,
  renderAnnotations,
  renderTemplate,
  StoredRule,
} from './rules/index.ts';
export {
  type AlertAction,
  type AlertFilter,
  type AlertPage,
  AlertStateError,
  AlertStates,
  type AlertStatesDeps,
  type AlertSummary,
  type HistoryEntry,
  type Silence,
  type SilenceInput,
  type SilenceMatcher,
  Silences,
  silenceState,
} from './state/index.ts';
