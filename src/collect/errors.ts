import { type FailureKind, type FailureOptions, redactText, VitalsError } from '../contract/index.ts';

/**
 * Why a collection failed. `auth` and `settings` cannot be fixed by retrying (the job fails at once);
 * the others can (the network, the target or our own Redis may be back at the next attempt).
 */
export type CollectFailure = 'auth' | 'settings' | 'unreachable' | 'timeout' | 'protocol' | 'storage';

const FINAL: ReadonlySet<CollectFailure> = new Set(['auth', 'settings']);

/**
 * A collection that failed. `message` is shown to operators (job failure reasons, events, logs), so it
 * goes through the contract's redaction: a library's message quoting a URL with credentials, a header
 * or a key loses the secret here, whatever the collector put in.
 */
export class CollectError extends Error {
  override name = 'CollectError';
  readonly reason: CollectFailure;
  /** Whether another attempt can succeed. */
  readonly retryable: boolean;

  constructor(
    reason: CollectFailure,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(redactText(message), { cause: options.cause });
    this.reason = reason;
    this.retryable = options.retryable ?? !FINAL.has(reason);
  }
}

/** The reasons a control request is refused; routes map them onto public error codes. */
export type ControlFailure = 'not_found' | 'conflict' | 'invalid' | 'unavailable';

/** A refused control request (collect now, pause…), with a message fit for the client. */
export class CollectControlError extends VitalsError {
  override name = 'CollectControlError';
  readonly kind: FailureKind;

  constructor(
    readonly reason: ControlFailure,
    message: string,
    options: FailureOptions = {},
  ) {
    super(message, options);
    this.kind = reason;
  }
}

/** The message of anything thrown, for logs and job failure reasons. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
