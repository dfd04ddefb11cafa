import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Telemetry } from '../../monitor/index.ts';
import { authOf } from '../auth.ts';
import { PublicError } from '../errors.ts';

export interface PrometheusRouteDeps {
  readonly telemetry?: Telemetry;
  /** The org whose read tokens may scrape (the server's own figures live there). */
  readonly org: string;
}

/**
 * Records every answer's duration under its route pattern (`/api/v1/hosts/:id`, never the raw URL, so
 * the label set stays bounded); requests no route matched count under `unmatched`.
 */
export function installHttpMetrics(app: FastifyInstance, telemetry: Telemetry): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    telemetry.observeHttp(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
}

const NoQuery = Type.Object({}, { additionalProperties: false });

/**
 * `GET /metrics` (alias `/metrics/prometheus`): the Prometheus text exposition of the server's own
 * figures and of the Redis servers it monitors. Needs a `read` token of the default org. While Redis is
 * away it still answers 200: process figures, and Redis figures from this process' memory.
 */
export function prometheusRoutes(app: FastifyInstance, deps: PrometheusRouteDeps): void {
  const { telemetry } = deps;
  if (!telemetry) return;
  for (const url of ['/metrics', '/metrics/prometheus']) {
    app.get(
      url,
      {
        config: { scope: 'read' },
        schema: {
          tags: ['monitoring'],
          summary:
            url === '/metrics'
              ? 'Prometheus exposition of Vitals and its Redis servers (docs/observability.md)'
              : 'Alias of /metrics',
          querystring: NoQuery,
          produces: ['text/plain'],
        },
      },
      async (request, reply) => {
        if (authOf(request).org !== deps.org)
          throw new PublicError('forbidden', `/metrics belongs to org "${deps.org}": use one of its tokens`);
        const text = await telemetry.metrics();
        return reply.header('cache-control', 'no-store').type(telemetry.contentType).send(text);
      },
    );
  }
}
