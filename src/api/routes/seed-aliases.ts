import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type TProperties, Type } from 'typebox';
import { HostParams } from './params.ts';

/**
 * The seed services' routes, kept as aliases so clients written for them keep working (docs/api.md,
 * "Seed routes"). No logic of their own: each one runs the handler of the current route it names.
 */
export const SEED_ALIASES: Readonly<Record<string, string>> = {
  '/api/v1/collect': '/api/v1/servers/metrics/collect-all',
  '/api/v1/queues': '/api/v1/servers/metrics/queue/stats',
  '/api/v1/queues/collect/pause': '/api/v1/servers/metrics/queue/pause',
  '/api/v1/queues/collect/resume': '/api/v1/servers/metrics/queue/resume',
  '/api/v1/queues/collect/clean': '/api/v1/servers/metrics/queue/clean',
  '/api/v1/overview': '/api/v1/servers/metrics/aggregate',
};

/** The route's own URL, then the seed's alias of it if there is one: register the same handler at each. */
export function withSeedAlias(url: string): string[] {
  const alias = SEED_ALIASES[url];
  return alias === undefined ? [url] : [url, alias];
}

interface Rows {
  readonly count: number;
  readonly rows?: unknown;
  readonly partial?: true;
}

/** The seed's `{metrics, count}`: the current route's rows under `metrics`. */
function seedRows(answer: Rows) {
  return { metrics: answer.rows ?? [], count: answer.count, ...(answer.partial && { partial: true }) };
}

/**
 * `GET /api/hosts/:id/metrics/<name>` (the seed's `recent` and `range`): the answer of the current
 * `/api/v1/hosts/:id/metrics/<name>` handler, in the seed's shape.
 */
export function seedMetricsAlias<Q>(
  app: FastifyInstance,
  name: 'recent' | 'range',
  query: TProperties,
  answer: (request: FastifyRequest<{ Params: { id: string }; Querystring: Q }>) => Promise<Rows>,
): void {
  app.get<{ Params: { id: string }; Querystring: Q }>(
    `/api/hosts/:id/metrics/${name}`,
    {
      config: { scope: 'read' },
      schema: {
        tags: ['metrics'],
        summary: `Seed alias of /api/v1/hosts/:id/metrics/${name}, answering {metrics, count}`,
        params: HostParams,
        querystring: Type.Object(query),
      },
    },
    async (request) => seedRows(await answer(request)),
  );
}
