import { type FailureKind, VitalsError } from '../contract/index.ts';

/**
 * A push that can never be stored as sent: `bad_request` (malformed, a bad sample) or `limit_exceeded`
 * (a configured limit). The message names the sample or the limit and its value. The API maps the
 * kind onto its public error codes of the same names.
 */
export class IngestRejectedError extends VitalsError {
  override name = 'IngestRejectedError';
  readonly kind: FailureKind;
  constructor(
    readonly reason: 'bad_request' | 'limit_exceeded',
    message: string,
  ) {
    super(message);
    this.kind = reason === 'bad_request' ? 'invalid' : 'limit';
  }
}
