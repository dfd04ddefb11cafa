export { IngestRejectedError } from './errors.ts';
export {
  type Claim,
  type IdempotencyStats,
  IdempotencyStore,
  requestFingerprint,
  type StoredResponse,
} from './idempotency.ts';
export { checkSeries, checkSeriesKey, type IngestLimits } from './limits.ts';
export type { PushedHost } from './push-json.ts';
export {
  type HostRegistrar,
  IdempotencyConflictError,
  IdempotencyKeyReusedError,
  type IngestDeps,
  IngestService,
  type Parsed,
  type PushOptions,
  RepeatedRejectionError,
  type WrittenHost,
} from './service.ts';
