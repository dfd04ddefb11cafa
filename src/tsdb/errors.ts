import { type FailureKind, type FailureOptions, VitalsError } from '../contract/index.ts';

/** Base of the storage engine's errors. */
export abstract class TsdbError extends VitalsError {}

/** A sample that can never be stored as sent (bad timestamp, bad id); the whole batch is refused. */
export class SampleRejectedError extends TsdbError {
  override name = 'SampleRejectedError';
  readonly kind: FailureKind = 'invalid';
  constructor(
    readonly series: string,
    message: string,
  ) {
    super(message);
  }
}

/** A query that asks for more work than one request may do (too many buckets); nothing was read. */
export class QueryRejectedError extends TsdbError {
  override name = 'QueryRejectedError';
  readonly kind: FailureKind = 'too_large';
}

/** A time range longer than a bound (retention, a configured span); nothing was read. */
export class RangeTooLongError extends TsdbError {
  override name = 'RangeTooLongError';
  readonly kind: FailureKind = 'too_large';
  constructor(
    /** The bound that refused it, as named in the message. */
    readonly limit: string,
    readonly maxMs: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Storage cannot take the write now (Redis down and the spool full, or shutting down). Nothing of the
 * batch was kept; the same batch can be sent again after `retryAfterSec`.
 */
export class StorageUnavailableError extends TsdbError {
  override name = 'StorageUnavailableError';
  readonly kind: FailureKind = 'unavailable';
  constructor(message: string, retryAfterSec: number, options: FailureOptions = {}) {
    super(message, { ...options, retryAfterSec });
  }
}
