/**
 * A push that can never be stored as sent: `bad_request` (malformed, a bad sample) or `limit_exceeded`
 * (a configured limit). The message names the sample or the limit and its value. The API maps the
 * kind onto its public error codes of the same names.
 */
export class IngestRejectedError extends Error {
  override name = 'IngestRejectedError';
  constructor(
    readonly kind: 'bad_request' | 'limit_exceeded',
    message: string,
  ) {
    super(message);
  }
}
