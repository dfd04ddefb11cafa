import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
  if (err.statusCode === 400 || (err instanceof SyntaxError && err.statusCode === undefined)) {
    return new PublicError('bad_request', err.message);
  }
  return undefined;
}

function send(
  reply: FastifyReply,
  request: FastifyRequest,
  code: ErrorCode,
  message: string,
  retryAfterSec?: number,
) {
  const body: ErrorBody = { error: { code, message, requestId: String(request.id) } };
  if (retryAfterSec !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterSec))));
  return reply.status(httpStatus(code)).type('application/json; charset=utf-8').send(body);
}

/** The one error handler: every failure leaves as `{error: {code, message, requestId}}`. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((raw: FastifyError, request, reply) => {
    const err = toPublicError(raw) as FastifyError;
    const known = err instanceof PublicError ? err : fromFastify(err);
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
