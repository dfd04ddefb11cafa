/** Base of the storage engine's errors: says whether a retry can help. */
export abstract class TsdbError extends Error {
  abstract readonly retryable: boolean;
}

/** A sample that can never be stored as sent (bad timestamp, bad id); the whole batch is refused. */
export class SampleRejectedError extends TsdbError {
  override name = 'SampleRejectedError';
  readonly retryable = false;
  constructor(
    readonly series: string,
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
  readonly retryable = true;
  constructor(
    message: string,
    readonly retryAfterSec: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
