import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { CollectControl } from '../../collect/index.ts';
import type { Scope } from '../../contract/index.ts';
import { authOf } from '../auth.ts';
import { withSeedAlias } from './seed-aliases.ts';

export interface CollectRouteDeps {
  /** `createCollection(…).control`. */
  readonly collect: CollectControl;
}

const Queued = Type.Object({ host: Type.String(), jobId: Type.String(), deduplicated: Type.Boolean() });
const CollectAll = Type.Object({
  queued: Type.Array(Queued),
  skipped: Type.Array(Type.Object({ host: Type.String(), reason: Type.String() })),
});
const Counts = Type.Object({
  waiting: Type.Integer(),
  active: Type.Integer(),
  delayed: Type.Integer(),
  completed: Type.Integer(),
  failed: Type.Integer(),
});
const Throughput = Type.Object(
  {
    windowMinutes: Type.Integer(),
    completed: Type.Integer(),
    failed: Type.Integer(),
    completedPerMinute: Type.Number(),
    failedPerMinute: Type.Number(),
    completedTotal: Type.Integer(),
    failedTotal: Type.Integer(),
  },
  { description: "from BullMQ's own metrics, for the whole queue (every org)" },
);
const QueueFigures = Type.Object({
  name: Type.Literal('collect'),
  paused: Type.Boolean(),
  pausedSince: Type.Union([Type.Integer(), Type.Null()]),
  counts: Counts,
  schedulers: Type.Integer({ description: "hosts of the caller's org with a collection schedule" }),
  throughput: Throughput,
});
const FailedJob = Type.Object({
  id: Type.String(),
  host: Type.String(),
  trigger: Type.Union([Type.Literal('schedule'), Type.Literal('manual')]),
  reason: Type.String(),
  attemptsMade: Type.Integer(),
  queuedAt: Type.Integer(),
  failedAt: Type.Union([Type.Integer(), Type.Null()]),
});
const Ms = (what: string) => Type.Optional(Type.Integer({ minimum: 0, description: `${what} (ms)` }));
const Keep = (what: string) =>
  Type.Optional(Type.Integer({ minimum: 0, description: `newest ${what} jobs kept whatever their age` }));
const CleanQuery = Type.Object(
  {
    completedAgeMs: Ms('completed jobs older than this go; default VITALS_COLLECT_CLEAN_COMPLETED_AGE (1 h)'),
    completedKeep: Keep('completed (default 100)'),
    failedAgeMs: Ms('failed jobs older than this go; default VITALS_COLLECT_CLEAN_FAILED_AGE (24 h)'),
    failedKeep: Keep('failed (default 500)'),
  },
  { additionalProperties: false },
);
const HostParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const tags = ['collection'];

/**
 * Pull collection control: collect now (one host or all, ahead of scheduled runs), queue figures,
 * pause / resume / clean, failed jobs. Everything acts on the caller's org only; `admin` controls,
 * `read` sees the figures. Needs `installAuth` first.
 */
export function collectRoutes(app: FastifyInstance, deps: CollectRouteDeps): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { collect } = deps;
  const guard = (scope: Scope) => ({ config: { scope } });
  const orgOf = (request: FastifyRequest) => authOf(request).org;

  for (const url of withSeedAlias('/api/v1/collect')) {
    api.post(
      url,
      {
        ...guard('admin'),
        schema: { summary: 'Collect every pulled host now', tags, response: { 202: CollectAll } },
      },
      async (request, reply) => reply.status(202).send(await collect.collectAll(orgOf(request))),
    );
  }

  api.post(
    '/api/v1/hosts/:id/collect',
    {
      ...guard('admin'),
      schema: { summary: 'Collect one host now', tags, params: HostParams, response: { 202: Queued } },
    },
    async (request, reply) =>
      reply.status(202).send(await collect.collectHost(orgOf(request), request.params.id)),
  );

  for (const url of withSeedAlias('/api/v1/queues')) {
    api.get(
      url,
      {
        ...guard('read'),
        schema: {
          summary: 'Job queues as the org sees them',
          tags,
          response: { 200: Type.Object({ queues: Type.Array(QueueFigures) }) },
        },
      },
      async (request) => ({ queues: [await collect.figures(orgOf(request))] }),
    );
  }

  for (const action of ['pause', 'resume'] as const) {
    for (const url of withSeedAlias(`/api/v1/queues/collect/${action}`))
      api.post(
        url,
        {
          ...guard('admin'),
          schema: {
            summary: `${action === 'pause' ? 'Pause' : 'Resume'} collection for the org`,
            tags,
            response: { 200: Type.Object({ paused: Type.Boolean() }) },
          },
        },
        async (request) => {
          await collect[action](orgOf(request));
          return { paused: action === 'pause' };
        },
      );
  }

  for (const url of withSeedAlias('/api/v1/queues/collect/clean'))
    api.post(
      url,
      {
        ...guard('admin'),
        schema: {
          summary: "Remove the org's old finished jobs",
          tags,
          querystring: CleanQuery,
          response: {
            200: Type.Object({ removed: Type.Object({ completed: Type.Integer(), failed: Type.Integer() }) }),
          },
        },
      },
      async (request) => {
        const q = request.query;
        const policy = (ageMs: number | undefined, count: number | undefined) =>
          ageMs === undefined && count === undefined ? undefined : { ageMs: ageMs ?? 0, count: count ?? 0 };
        const completed = policy(q.completedAgeMs, q.completedKeep);
        const failed = policy(q.failedAgeMs, q.failedKeep);
        const removed = await collect.clean(orgOf(request), {
          ...(completed && { completed }),
          ...(failed && { failed }),
        });
        return { removed };
      },
    );

  api.get(
    '/api/v1/queues/collect/failed',
    {
      ...guard('read'),
      schema: {
        summary: "The org's failed collections, newest first, with their reasons",
        tags,
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ jobs: Type.Array(FailedJob) }) },
      },
    },
    async (request) => ({
      jobs: await collect.failed(orgOf(request), request.query.limit ?? 100),
    }),
  );
}
