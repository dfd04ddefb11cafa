import { type FailureKind, VitalsError } from '../contract/index.ts';

/**
 * Why a tenancy operation failed. None of the messages carries a secret, and `not_found` never says
 * whether the thing exists in another org.
 */
export type TenancyErrorReason = 'invalid' | 'conflict' | 'not_found' | 'unavailable';

export class TenancyError extends VitalsError {
  override name = 'TenancyError';
  readonly reason: TenancyErrorReason;
  readonly kind: FailureKind;

  constructor(reason: TenancyErrorReason, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause, ...(reason === 'unavailable' && { retryAfterSec: 1 }) });
    this.reason = reason;
    this.kind = reason;
  }
}

export function invalid(field: string, problem: string): TenancyError {
  return new TenancyError('invalid', `${field}: ${problem}`);
}

/** Wraps a Redis failure so callers can answer 503 instead of 500. */
export function unavailable(what: string, cause: unknown): TenancyError {
  return new TenancyError('unavailable', `${what}: the store is unreachable`, { cause });
}
