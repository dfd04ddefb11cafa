import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { type IngestLimits, requestFingerprint } from '../../ingest/index.ts';
import { batchesFromPromRemote } from '../../ingest/push-prom-remote.ts';
import { authOf } from '../auth.ts';
import { PublicError } from '../errors.ts';
import type { ApiServices } from '../services.ts';
import { ACK_PARAM, INGEST_HEADERS, readBodiesAsBytes } from './ingest-common.ts';

const QUERY = Type.Object({
  host: Type.Optional(
    Type.String({ description: 'host of series with neither an instance nor a job label' }),
  ),
  ack: ACK_PARAM,
});

type WriteRequest = FastifyRequest<{
  Body: Buffer | undefined;
  Querystring: { host?: string; ack?: 'durable' | 'buffered' };
  Headers: { 'idempotency-key'?: string };
}>;

/** The content types a remote_write body may come with (Prometheus sends the first). */
const CONTENT_TYPES = new Set(['application/x-protobuf', 'application/octet-stream']);

/** The settings the route reads: the ingest limits and the body limit (VITALS_MAX_BODY_BYTES). */
export type PromWriteConfig = IngestLimits & { readonly maxBodyBytes: number };

function checkHeaders(request: FastifyRequest): void {
  const [first = '', ...params] = String(request.headers['content-type'] ?? '').split(';');
  const type = first.trim().toLowerCase();
  if (type && !CONTENT_TYPES.has(type)) {
    throw new PublicError(
      'unsupported_media_type',
      `Content-Type ${type} is not accepted: remote_write sends application/x-protobuf`,
    );
  }
  // Remote-write 2.0 names its message in the type (1.0 senders name none, or this one): a 2.0 body is
  // refused with 415 rather than misread as a 1.0 WriteRequest.
  const proto = params
    .map((p) => p.trim().split('='))
    .find(([name]) => name?.toLowerCase() === 'proto')?.[1]
    ?.trim();
  if (proto !== undefined && proto !== 'prometheus.WriteRequest') {
    throw new PublicError(
      'unsupported_media_type',
      `proto=${proto} is not accepted: Vitals takes remote-write 1.0 (prometheus.WriteRequest)`,
    );
  }
  const encoding = String(request.headers['content-encoding'] ?? 'snappy')
    .trim()
    .toLowerCase();
  if (encoding !== 'snappy') {
    throw new PublicError(
      'unsupported_media_type',
      `Content-Encoding ${encoding} is not accepted: remote_write bodies are snappy-compressed (Content-Encoding: snappy)`,
    );
  }
}

/**
 * Prometheus remote_write 1.0 (`remote_write: [{url: …/api/v1/prom/write}]`): a snappy-compressed
 * protobuf WriteRequest, mapped as `push-prom-remote.ts` says, through the one ingest service (host
 * admission, series limits, idempotency). 204 on success; 400 (or 422 for a limit) for a batch that
 * can never be stored, which Prometheus drops; 429 and 503 carry Retry-After and Prometheus retries.
 * Its own plugin scope: the body is read as bytes whatever the content type, and `Content-Encoding:
 * snappy` is this route's to decode, not a transport encoding.
 */
export async function promRemoteWriteRoutes(
  app: FastifyInstance,
  services: ApiServices,
  config: PromWriteConfig,
): Promise<void> {
  const limits: IngestLimits = config;
  readBodiesAsBytes(app);
  app.post(
    '/api/v1/prom/write',
    {
      config: { scope: 'ingest' },
      schema: {
        tags: ['ingest'],
        summary: 'Prometheus remote_write 1.0 (snappy-compressed protobuf WriteRequest)',
        consumes: ['application/x-protobuf'],
        querystring: QUERY,
        headers: INGEST_HEADERS,
      },
    },
    async (request: WriteRequest, reply) => {
      checkHeaders(request);
      const body = request.body ?? Buffer.alloc(0);
      const { host, ack } = request.query;
      await services.ingest.push(
        authOf(request).org,
        () => requestFingerprint(`prom-remote-write ${host ?? ''}`, body),
        () =>
          batchesFromPromRemote(authOf(request).org, body, { host, maxBytes: config.maxBodyBytes }, limits),
        { idempotencyKey: request.headers['idempotency-key'], ack },
      );
      // The remote-write specification: 2xx on success, with no body to read.
      return reply.status(204).send();
    },
  );
}
