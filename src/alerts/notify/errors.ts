import { type FailureKind, type FailureOptions, redactText, VitalsError } from '../../contract/index.ts';

/** Why a channel request was refused; routes map the kind onto public codes. */
export type ChannelFailure = 'invalid' | 'not_found' | 'conflict' | 'unavailable';

export class ChannelError extends VitalsError {
  override name = 'ChannelError';
  readonly kind: FailureKind;

  constructor(
    readonly reason: ChannelFailure,
    message: string,
    options: FailureOptions = {},
  ) {
    super(message, { ...options, ...(reason === 'unavailable' && { retryAfterSec: 5 }) });
    this.kind = reason;
  }
}

/**
 * A delivery attempt that failed. `final`: the receiver refused it for good (a 4xx other than 408 and
 * 429, a bad address), so retrying cannot help. The message is redacted with the channel's secrets.
 */
export class DeliveryError extends Error {
  override name = 'DeliveryError';

  constructor(
    message: string,
    readonly final: boolean,
    known: readonly string[] = [],
    options: { cause?: unknown } = {},
  ) {
    super(redactText(message, known), options);
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
