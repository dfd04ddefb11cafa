import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  REDIS_HEALTH_TYPES,
  type RedisCheckResult,
  type RedisHealth,
  type RedisHealthReport,
  type RedisHealthType,
  SELF_REDIS_HOST,
} from '../../monitor/index.ts';
import { DEFAULT_ORG } from '../../tenancy/index.ts';
import { authOf } from '../auth.ts';
import { PublicError } from '../errors.ts';
import type { HostDirectory } from '../services.ts';

export interface RedisHealthRouteDeps {
  readonly redisHealth: RedisHealth;
  readonly hosts: HostDirectory;
}

/** Seconds a client should wait before asking again after a `fail` (503). */
const RETRY_AFTER_SEC = 5;
const tags = ['redis'];

const Status = Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')]);
const Limit = Type.Union([Type.Number(), Type.String(), Type.Null()]);
const Check = Type.Object(
  {
    componentType: Type.String(),
    componentId: Type.String(),
    status: Status,
    observedValue: Type.Optional(Type.Union([Type.Number(), Type.String(), Type.Boolean()])),
    observedUnit: Type.Optional(Type.String()),
    thresholds: Type.Object({ warn: Limit, fail: Limit }),
    output: Type.String(),
    time: Type.String(),
  },
  { additionalProperties: true, description: 'further figures of the check beside these' },
);
const Report = Type.Object({
  status: Status,
  host: Type.String({ description: '`vitals-redis` for Vitals’ own Redis' }),
  checks: Type.Object(Object.fromEntries(REDIS_HEALTH_TYPES.map((t) => [t, Check]))),
});
const One = Type.Object(
  { type: Type.String(), host: Type.String(), ...Check.properties },
  { additionalProperties: true },
);
const Query = Type.Object(
  {
    host: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description:
          'a host of collector kind `redis` of your org; default: Vitals’ own Redis (default org only)',
      }),
    ),
  },
  { additionalProperties: false },
);
const Params = Type.Object({
  type: Type.Union(
    REDIS_HEALTH_TYPES.map((t) => Type.Literal(t)),
    { description: REDIS_HEALTH_TYPES.join(', ') },
  ),
});

type Target =
  | { readonly self: true }
  | { readonly self: false; readonly id: string; readonly interval: number };

/**
 * Redis health checks: every type (`/api/v1/redis/health`, alias `/monitoring/redis/health`) or one
 * (`/api/v1/redis/health/:type`, alias `/health/:type`), of Vitals' own Redis or of a monitored Redis
 * host (`?host=`). 200 for pass and warn, 503 with Retry-After for fail, like `/health`. Needs
 * `installAuth` first.
 */
export function redisHealthRoutes(app: FastifyInstance, deps: RedisHealthRouteDeps): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  const targetOf = async (request: FastifyRequest, host: string | undefined): Promise<Target> => {
    const org = authOf(request).org;
    if (host === undefined || (host === SELF_REDIS_HOST && org === DEFAULT_ORG)) {
      // Vitals' own Redis belongs to the default org; other orgs are told it does not exist.
      if (org !== DEFAULT_ORG)
        throw new PublicError('not_found', 'no Redis of your org; name one with ?host=');
      return { self: true };
    }
    const found = await deps.hosts.get(org, host);
    if (found?.collector !== 'redis')
      throw new PublicError('not_found', `no host ${host} of collector kind redis in your org`);
    return { self: false, id: found.id, interval: found.metricsInterval };
  };

  const send = (reply: FastifyReply, body: RedisHealthReport | (RedisCheckResult & { type: string })) => {
    reply.header('cache-control', 'no-store');
    if (body.status === 'fail') reply.status(503).header('retry-after', String(RETRY_AFTER_SEC));
    return reply.send(body);
  };

  for (const url of ['/api/v1/redis/health', '/monitoring/redis/health']) {
    api.get(
      url,
      {
        config: { scope: 'read' },
        schema: {
          summary: 'Redis health: connectivity, memory, connections, performance, persistence, configuration',
          tags,
          querystring: Query,
          response: { 200: Report, 503: Report },
        },
      },
      async (request, reply) => {
        const org = authOf(request).org;
        const target = await targetOf(request, request.query.host);
        const report = target.self
          ? await deps.redisHealth.own()
          : await deps.redisHealth.ofHost(org, { id: target.id, metricsInterval: target.interval });
        return send(reply, report);
      },
    );
  }

  for (const url of ['/api/v1/redis/health/:type', '/health/:type']) {
    api.get(
      url,
      {
        config: { scope: 'read' },
        schema: {
          summary: 'One Redis health check',
          tags,
          params: Params,
          querystring: Query,
          response: { 200: One, 503: One },
        },
      },
      async (request, reply) => {
        const org = authOf(request).org;
        const type = request.params.type as RedisHealthType;
        const target = await targetOf(request, request.query.host);
        const check = target.self
          ? await deps.redisHealth.ownCheck(type)
          : await deps.redisHealth.hostCheck(org, { id: target.id, metricsInterval: target.interval }, type);
        return send(reply, { type, host: target.self ? SELF_REDIS_HOST : target.id, ...check });
      },
    );
  }
}
