/**
 * Raised when a buffer handed to a decoder is not something our encoders produced (truncated, corrupt,
 * or from a newer format). Retrying cannot help: the same bytes decode the same way every time.
 */
export class CodecError extends Error {
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CodecError';
  }
}
