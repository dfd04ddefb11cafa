import { BrokenCircuitError } from 'cockatiel';
import { type FailureKind, VitalsError } from '../contract/index.ts';
import { isUnavailable } from '../redis/index.ts';
import { type ErrorCode, PublicError } from './errors.ts';

/** The public code of each failure kind: the one place where internal meaning becomes HTTP. */
export function codeOf(kind: FailureKind): ErrorCode {
  switch (kind) {
    case 'invalid':
      return 'bad_request';
    case 'not_found':
      return 'not_found';
    case 'conflict':
      return 'conflict';
    case 'reused':
      return 'idempotency_key_reused';
    case 'limit':
      return 'limit_exceeded';
    case 'too_large':
      return 'bad_request';
    case 'forbidden':
      return 'forbidden';
    case 'unavailable':
      return 'unavailable';
  }
}

/** Seconds a client waits before retrying an `unavailable` answer that did not say. */
const DEFAULT_RETRY_AFTER_SEC = 5;

/** Maps any error that says what it is onto its public error; anything else passes through (a 500). */
export function toPublicError(err: unknown): unknown {
  if (err instanceof PublicError) return err;
  if (!(err instanceof VitalsError)) return unavailableOrAsIs(err);
  const retryAfterSec =
    err.retryAfterSec ?? (err.kind === 'unavailable' ? DEFAULT_RETRY_AFTER_SEC : undefined);
  return new PublicError(codeOf(err.kind), err.message, { cause: err, retryAfterSec });
}

/** Redis away or frozen past its deadline, or the breaker guarding it open: retry shortly. */
function unavailableOrAsIs(err: unknown): unknown {
  if (!(err instanceof BrokenCircuitError) && !isUnavailable(err)) return err;
  return new PublicError('unavailable', 'storage is unavailable; retry shortly', {
    cause: err,
    retryAfterSec: DEFAULT_RETRY_AFTER_SEC,
  });
}
