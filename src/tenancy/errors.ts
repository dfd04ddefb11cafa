/**
 * Why a tenancy operation failed. The HTTP layer maps each reason onto a public code; none of the
 * messages carries a secret, and `not_found` never says whether the thing exists in another org.
 */
export type TenancyErrorReason = 'invalid' | 'conflict' | 'not_found' | 'unavailable';

export class TenancyError extends Error {
  readonly reason: TenancyErrorReason;
  /** True when the same call may succeed later (Redis unreachable). */
  readonly retryable: boolean;

  constructor(reason: TenancyErrorReason, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'TenancyError';
    this.reason = reason;
    this.retryable = reason === 'unavailable';
  }
}

export function invalid(field: string, problem: string): TenancyError {
  return new TenancyError('invalid', `${field}: ${problem}`);
}

/** Wraps a Redis failure so callers can answer 503 instead of 500. */
export function unavailable(what: string, cause: unknown): TenancyError {
  return new TenancyError('unavailable', `${what}: the store is unreachable`, { cause });
}
