import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { IngestRequest, IngestResponse } from '../../contract/index.ts';
import { authOf } from '../auth.ts';
import { gunzipBody } from '../gzip.ts';
import type { ApiServices } from '../services.ts';
import { ACK_PARAM, INGEST_HEADERS } from './ingest-common.ts';

/**
 * Push ingestion of JSON batches (Influx line protocol: `influx-compat.ts`). 2xx only once the batch is durable (or
 * `ack=buffered` accepted it); 429/503 carry Retry-After; other 4xx mean the batch can never succeed.
 */
export function ingestRoutes(app: FastifyInstance, services: ApiServices): void {
  const { ingest } = services;
  app.post<{
    Body: IngestRequest;
    Querystring: { ack?: 'durable' | 'buffered' };
    Headers: { 'idempotency-key'?: string };
  }>(
    '/api/v1/ingest',
    {
      preParsing: gunzipBody,
      config: { scope: 'ingest' },
      schema: {
        tags: ['ingest'],
        summary: 'Push samples (JSON)',
        body: IngestRequest,
        querystring: Type.Object({ ack: ACK_PARAM }),
        headers: INGEST_HEADERS,
        response: { 200: IngestResponse },
      },
    },
    async (request) =>
      ingest.pushJson(authOf(request).org, request.body, {
        idempotencyKey: request.headers['idempotency-key'],
        ack: request.query.ack,
      }),
  );
}
