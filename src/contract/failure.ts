/**
 * What a failure means to the caller, said by the error itself. Every capability's error class
 * extends `VitalsError` and names its kind; the HTTP layer maps kinds onto public codes in one switch
 * (`api/errors-map.ts`), so no route needs a mapper of its own and none can leak a 500 for an error
 * that has a public meaning.
 */
export type FailureKind =
  /** The input can never succeed as sent; the message names the field or sample. */
  | 'invalid'
  | 'not_found'
  /** The state changed under the caller, or a request with the same key is still running. */
  | 'conflict'
  /** An Idempotency-Key sent again with a different request (never retried, never replayed). */
  | 'reused'
  /** A configured limit; the message names it and its value. */
  | 'limit'
  /** Too much work or data for one request. */
  | 'too_large'
  | 'forbidden'
  /** Try again after `retryAfterSec`: Redis away, the spool full, shutting down. */
  | 'unavailable';

export const failureKinds: readonly FailureKind[] = [
  'invalid',
  'not_found',
  'conflict',
  'reused',
  'limit',
  'too_large',
  'forbidden',
  'unavailable',
];

export interface FailureOptions {
  readonly cause?: unknown;
  /** Seconds before a retry can help (for `unavailable` and in-progress `conflict`s). */
  readonly retryAfterSec?: number;
}

/** Base of every error a capability throws on purpose. Messages are shown to clients: no secrets. */
export abstract class VitalsError extends Error {
  abstract readonly kind: FailureKind;
  readonly retryAfterSec: number | undefined;

  constructor(message: string, options: FailureOptions = {}) {
    super(message, { cause: options.cause });
    this.retryAfterSec = options.retryAfterSec;
  }

  /** True when the same call may succeed later. */
  get retryable(): boolean {
    return this.kind === 'unavailable' || this.retryAfterSec !== undefined;
  }
}
