export { type Figure, type HostFigures, hostFigures, type Source, sourceKeys } from './derive.ts';
export {
  busyPct,
  type Judged,
  type JudgedSources,
  judgedSources,
  type Percents,
  percentOf,
  percentsOf,
  type Reader,
  ratioPct,
} from './derive-values.ts';
export { type FailureKind, type FailureOptions, failureKinds, VitalsError } from './failure.ts';
export * from './formats/index.ts';
export { HostMetric, type HostMetricName, SNAPSHOT_FIELDS } from './metrics.ts';
export { idFromName } from './org-id.ts';
export {
  containsSealed,
  isSealed,
  isSecretName,
  MASK,
  maskUrl,
  redactError,
  redactText,
  redactValue,
  SEALED_PREFIX,
  secretValues,
} from './redact.ts';
export { ID_PATTERN, LABEL_NAME, type Labels, METRIC_NAME, parseSeriesKey, seriesKey } from './series.ts';
export * from './wire.ts';
