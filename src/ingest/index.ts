export { IngestRejectedError } from './errors.ts';
export { type Claim, type IdempotencyStats, IdempotencyStore, type StoredResponse } from './idempotency.ts';
export { checkSeries, checkSeriesKey, type IngestLimits } from './limits.ts';
export type { PushedHost } from './push-json.ts';
export {
  type HostRegistrar,
  IdempotencyConflictError,
  type IngestDeps,
  IngestService,
  type PushOptions,
  RepeatedRejectionError,
  type WrittenHost,
} from './service.ts';
