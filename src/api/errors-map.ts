import { IdempotencyConflictError, IngestRejectedError } from '../ingest/index.ts';
import {
  QueryUnavailableError,
  SampleRejectedError,
  SeriesLimitError,
  StorageUnavailableError,
} from '../tsdb/index.ts';
import { PublicError } from './errors.ts';

/** Maps a capability's typed error onto the public error it means; unknown errors pass through. */
export function toPublicError(err: unknown): unknown {
  if (err instanceof PublicError) return err;
  if (err instanceof IngestRejectedError) return new PublicError(err.kind, err.message, { cause: err });
  if (err instanceof SeriesLimitError) return new PublicError('limit_exceeded', err.message, { cause: err });
  if (err instanceof SampleRejectedError) return new PublicError('bad_request', err.message, { cause: err });
  if (err instanceof StorageUnavailableError) {
    return new PublicError('unavailable', err.message, { cause: err, retryAfterSec: err.retryAfterSec });
  }
  if (err instanceof QueryUnavailableError) {
    return new PublicError('unavailable', 'storage is unavailable; retry shortly', {
      cause: err,
      retryAfterSec: 5,
    });
  }
  if (err instanceof IdempotencyConflictError)
    return new PublicError('conflict', err.message, { cause: err, retryAfterSec: 1 });
  return err;
}
