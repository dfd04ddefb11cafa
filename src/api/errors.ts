/**
 * The closed set of public error codes. `docs/errors.md` lists every one (a test keeps them in step);
 * the HTTP status of each comes from one exhaustive switch.
 */
export const errorCodes = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'limit_exceeded',
  'idempotency_key_reused',
  'rate_limited',
  'unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export function httpStatus(code: ErrorCode): number {
  switch (code) {
    case 'bad_request':
      return 400;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'method_not_allowed':
      return 405;
    case 'conflict':
      return 409;
    case 'payload_too_large':
      return 413;
    case 'unsupported_media_type':
      return 415;
    case 'limit_exceeded':
    case 'idempotency_key_reused':
      return 422;
    case 'rate_limited':
      return 429;
    case 'unavailable':
      return 503;
    case 'internal':
      return 500;
  }
}

/** An error meant for the client: its message is shown as is, so it must never carry secrets. */
export class PublicError extends Error {
  readonly code: ErrorCode;
  /** Seconds the client should wait before retrying (429/503). */
  readonly retryAfterSec: number | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retryAfterSec?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'PublicError';
    this.code = code;
    this.retryAfterSec = options.retryAfterSec;
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string };
}
