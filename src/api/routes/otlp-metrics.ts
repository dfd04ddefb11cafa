import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ExportMetricsServiceResponseType, RPC_CODE, RpcStatusType } from '../../contract/otlp-metrics.ts';
import { type IngestLimits, requestFingerprint } from '../../ingest/index.ts';
import {
  batchesFromOtlp,
  decodeOtlpMetrics,
  type OtlpBatches,
  type OtlpEncoding,
} from '../../ingest/push-otlp.ts';
import { authOf } from '../auth.ts';
import { type ErrorBody, type ErrorCode, PublicError } from '../errors.ts';
import { gunzipBody } from '../gzip.ts';
import type { ApiServices } from '../services.ts';
import { ACK_PARAM, INGEST_HEADERS, readBodiesAsBytes } from './ingest-common.ts';

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

const QUERY = Type.Object({
  ack: ACK_PARAM,
});

type OtlpRequest = FastifyRequest<{
  Body: Buffer | undefined;
  Querystring: { ack?: 'durable' | 'buffered' };
  Headers: { 'idempotency-key'?: string };
}>;

/** The encoding a request declares: OTLP/HTTP's protobuf (also when no Content-Type is sent) or JSON. */
function encodingOf(request: FastifyRequest): OtlpEncoding | undefined {
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  if (type === '' || type === PROTOBUF || type === 'application/protobuf') return 'protobuf';
  if (type === JSON_TYPE) return 'json';
  return undefined;
}

/** The gRPC code of a Vitals error code, for `google.rpc.Status.code`. */
function rpcCode(code: ErrorCode): number {
  switch (code) {
    case 'bad_request':
    case 'unsupported_media_type':
      return RPC_CODE.INVALID_ARGUMENT;
    case 'unauthorized':
      return RPC_CODE.UNAUTHENTICATED;
    case 'forbidden':
      return RPC_CODE.PERMISSION_DENIED;
    case 'not_found':
    case 'method_not_allowed':
      return RPC_CODE.NOT_FOUND;
    case 'conflict':
      return RPC_CODE.ABORTED;
    case 'idempotency_key_reused':
      return RPC_CODE.FAILED_PRECONDITION;
    case 'payload_too_large':
    case 'limit_exceeded':
    case 'rate_limited':
      return RPC_CODE.RESOURCE_EXHAUSTED;
    case 'unavailable':
      return RPC_CODE.UNAVAILABLE;
    case 'internal':
      return RPC_CODE.INTERNAL;
  }
  // A code added to Vitals later, before it is mapped here.
  return RPC_CODE.INTERNAL;
}

/**
 * Error answers as OTLP/HTTP wants them: a `google.rpc.Status`, protobuf-encoded for protobuf requests
 * and as JSON (`{code, message, details}`, with Vitals' own `error` object beside) for JSON requests and
 * those of an unknown Content-Type. Status codes and Retry-After are the error handler's.
 */
async function statusBodies(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
  if (reply.statusCode < 400 || typeof payload !== 'string') return payload;
  let parsed: Partial<ErrorBody>;
  try {
    parsed = JSON.parse(payload) as Partial<ErrorBody>;
  } catch {
    return payload;
  }
  const error = parsed.error;
  if (typeof error?.message !== 'string') return payload;
  const code = rpcCode(error.code);
  if (encodingOf(request) === 'protobuf') {
    reply.type(PROTOBUF);
    return Buffer.from(RpcStatusType.encode({ code, message: error.message }).finish());
  }
  return JSON.stringify({ code, message: error.message, details: [], error });
}

/** The success answer: an ExportMetricsServiceResponse, with `partialSuccess` when points were refused. */
function exportResponse(reply: FastifyReply, encoding: OtlpEncoding, outcome: OtlpBatches | undefined) {
  const rejected = outcome?.rejected ?? 0;
  const partial =
    rejected > 0 ? { rejectedDataPoints: rejected, errorMessage: outcome?.rejectedMessage ?? '' } : undefined;
  if (encoding === 'json') {
    const body = partial ? { partialSuccess: { ...partial, rejectedDataPoints: String(rejected) } } : {};
    return reply.status(200).type(JSON_TYPE).send(JSON.stringify(body));
  }
  const message = partial ? { partialSuccess: partial } : {};
  return reply
    .status(200)
    .type(PROTOBUF)
    .send(Buffer.from(ExportMetricsServiceResponseType.encode(message).finish()));
}

/** The ingest limits (VITALS_MAX_SAMPLES_PER_REQUEST, VITALS_MAX_LABELS, VITALS_MAX_LABEL_LENGTH). */
export type OtlpConfig = IngestLimits;

/**
 * OTLP/HTTP metrics ingest (docs/ingest/otlp.md): an `ExportMetricsServiceRequest` in protobuf
 * (`application/x-protobuf`) or OTLP/JSON (`application/json`), gzip or not, over the one ingest
 * service: the token (`Authorization: Bearer`) decides the org, the resource names the host. 200 with
 * an `ExportMetricsServiceResponse` in the request's encoding, `partialSuccess` counting the data
 * points refused one by one; 4xx/5xx with a `google.rpc.Status`. Its own plugin scope: the body is read
 * as bytes whatever its Content-Type, and the type is checked by the handler.
 */
export async function otlpMetricsRoutes(
  app: FastifyInstance,
  services: ApiServices,
  config: OtlpConfig,
): Promise<void> {
  const limits: IngestLimits = config;
  readBodiesAsBytes(app);
  app.post(
    '/v1/metrics',
    {
      preParsing: gunzipBody,
      onSend: statusBodies,
      config: { scope: 'ingest' },
      schema: {
        tags: ['ingest'],
        summary: 'Push metrics (OTLP/HTTP, protobuf or JSON)',
        consumes: [PROTOBUF, JSON_TYPE],
        querystring: QUERY,
        headers: INGEST_HEADERS,
      },
    },
    async (request: OtlpRequest, reply) => {
      const encoding = encodingOf(request);
      if (encoding === undefined) {
        throw new PublicError(
          'unsupported_media_type',
          `Content-Type ${String(request.headers['content-type'])} is not accepted; send ${PROTOBUF} or ${JSON_TYPE}`,
        );
      }
      const body = request.body ?? Buffer.alloc(0);
      const { ingest } = services;
      const org = authOf(request).org;
      let outcome: OtlpBatches | undefined;
      await ingest.push(
        org,
        () => requestFingerprint(`otlp ${encoding}`, body),
        () => {
          outcome = batchesFromOtlp(org, decodeOtlpMetrics(body, encoding), limits);
          return outcome;
        },
        { idempotencyKey: request.headers['idempotency-key'], ack: request.query.ack },
      );
      return exportResponse(reply, encoding, outcome);
    },
  );
}
