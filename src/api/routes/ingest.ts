import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { IngestRequest, IngestResponse } from '../../contract/index.ts';
import { authOf } from '../auth.ts';
import { gunzipBody } from '../gzip.ts';
import type { ApiServices } from '../services.ts';

const Ack = Type.Optional(
  Type.Union([Type.Literal('durable'), Type.Literal('buffered')], { description: 'default: VITALS_ACK' }),
);

const headers = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'remembered 24 h; a retry gets the original response and writes nothing',
    }),
  ),
});

const ignored = (what: string) => Type.Optional(Type.String({ description: `${what}; accepted, ignored` }));
/** What Telegraf's `outputs.influxdb` sends beside the lines, so the strict query schema lets it in. */
const INFLUX_V1_PARAMS = {
  db: ignored('InfluxDB 1.x database'),
  rp: ignored('InfluxDB 1.x retention policy'),
  consistency: ignored('InfluxDB 1.x write consistency'),
};

/**
 * Push ingestion: JSON batches and Influx line protocol. 2xx only once the batch is durable (or
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
        querystring: Type.Object({ ack: Ack }),
        headers,
        response: { 200: IngestResponse },
      },
    },
    async (request) =>
      ingest.pushJson(authOf(request).org, request.body, {
        idempotencyKey: request.headers['idempotency-key'],
        ack: request.query.ack,
      }),
  );

  app.post<{
    Body: string;
    Querystring: { precision?: 'ns' | 'us' | 'ms' | 's'; host?: string; ack?: 'durable' | 'buffered' };
    Headers: { 'idempotency-key'?: string };
  }>(
    '/api/v1/write',
    {
      preParsing: gunzipBody,
      config: { scope: 'ingest' },
      schema: {
        tags: ['ingest'],
        summary: 'Push samples (Influx line protocol, Telegraf-compatible)',
        consumes: ['text/plain'],
        querystring: Type.Object({
          precision: Type.Optional(
            Type.Union([Type.Literal('ns'), Type.Literal('us'), Type.Literal('ms'), Type.Literal('s')]),
          ),
          host: Type.Optional(Type.String({ description: 'host of lines without a host tag' })),
          ack: Ack,
          ...INFLUX_V1_PARAMS,
        }),
        headers,
      },
    },
    async (request, reply) => {
      await ingest.pushInflux(
        authOf(request).org,
        String(request.body ?? ''),
        request.query.precision ?? 'ns',
        request.query.host,
        {
          idempotencyKey: request.headers['idempotency-key'],
          ack: request.query.ack,
        },
      );
      // Influx clients (Telegraf) expect 204 No Content on success.
      return reply.status(204).send();
    },
  );
}
