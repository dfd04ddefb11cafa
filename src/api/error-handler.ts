import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { redactText } from '../contract/index.ts';
import { type ErrorBody, type ErrorCode, httpStatus, PublicError } from './errors.ts';
import { toPublicError } from './errors-map.ts';
import { allowedMethods } from './route-table.ts';

/** Maps Fastify's own errors (validation, body limits, content types) onto the public codes. */
function fromFastify(err: FastifyError): PublicError | undefined {
  if (err.validation) return new PublicError('bad_request', err.message);
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PublicError('payload_too_large', err.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new PublicError('unsupported_media_type', err.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new PublicError('bad_request', err.message);
  }
  if (err instanceof SyntaxError) return new PublicError('bad_request', jsonProblem(err.message));
  // Any other client error a plugin decided keeps its status (e.g. @fastify/static refusing a file
  // name too long for the file system, 403); without this it would leave as a 500.
  const status = err.statusCode ?? 0;
  if (status >= 400 && status < 500)
    return new PublicError(CODE_OF_STATUS[status] ?? 'bad_request', err.message);
  return undefined;
}

const CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/**
 * Fastify's `frameworkErrors`: a URL it cannot decode or a path parameter past `maxParamLength` is
 * refused before routing, by default in Fastify's own shape and echoing the whole URL (a ticket in its
 * query included). Here it gets the one error shape, and the URL is not repeated.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const message =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'a path segment is longer than the server accepts'
      : 'the URL is not valid: it holds a malformed percent-encoding';
  return send(reply, request, 'bad_request', message);
}

/**
 * A JSON parse error without the excerpt of the body V8 quotes (`…"TXYZ", "e"}" is not valid JSON`):
 * the excerpt may be part of a secret, cut where no redaction rule can recognise it.
 */
function jsonProblem(message: string): string {
  const position = /at position (\d+)/.exec(message)?.[1];
  if (/end of (JSON )?input/i.test(message)) return 'the body is not valid JSON: it ends too early';
  return `the body is not valid JSON${position === undefined ? '' : ` (at position ${position})`}`;
}

function send(
  reply: FastifyReply,
  request: FastifyRequest,
  code: ErrorCode,
  message: string,
  retryAfterSec?: number,
) {
  // Every message a client sees goes through the contract's redaction: none may echo a secret.
  const body: ErrorBody = { error: { code, message: redactText(message), requestId: String(request.id) } };
  if (retryAfterSec !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterSec))));
  return reply.status(httpStatus(code)).type('application/json; charset=utf-8').send(body);
}

/**
 * A 429 leaves after a pause of half to all of this (or of its Retry-After, if shorter): a client that
 * retries at once, never waiting, sends one request per pause and connection instead of keeping the
 * process busy refusing it. The pause is random so that refused clients do not all come back at once.
 */
const REFUSAL_PAUSE_MS = 1000;

/** The one error handler: every failure leaves as `{error: {code, message, requestId}}`. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((raw: FastifyError, request, reply) => {
    const err = toPublicError(raw) as FastifyError;
    const known = err instanceof PublicError ? err : fromFastify(err);
    if (known?.code === 'rate_limited') {
      const pause = Math.min(REFUSAL_PAUSE_MS, (known.retryAfterSec ?? 1) * 1000) * (0.5 + Math.random() / 2);
      setTimeout(() => send(reply, request, known.code, known.message, known.retryAfterSec), pause);
      return;
    }
    if (known) return send(reply, request, known.code, known.message, known.retryAfterSec);
    request.log.error({ err }, 'unhandled error');
    return send(reply, request, 'internal', 'internal error; see the server log for this request id');
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = allowedMethods(app, path);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return send(
        reply,
        request,
        'method_not_allowed',
        `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}`,
      );
    }
    return send(reply, request, 'not_found', `no route for ${request.method} ${path}`);
  });
}
