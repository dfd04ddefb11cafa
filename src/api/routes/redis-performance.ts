import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RedisMonitoring } from '../../monitor/index.ts';
import { DEFAULT_ORG } from '../../tenancy/index.ts';
import { authOf } from '../auth.ts';
import { PublicError } from '../errors.ts';

export interface RedisPerformanceRouteDeps {
  readonly redisMonitor: RedisMonitoring;
}

const tags = ['redis'];
const Nullable = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });
const Point = Type.Object({ timestamp: Type.Integer(), value: Type.Number() });
const Command = Type.Object({
  command: Type.String({ description: 'lower case; subcommands as Redis names them (`client|setname`)' }),
  calls: Type.Number({ description: 'calls since the server started' }),
  opsPerSec: Type.Number({ description: 'over the last ~10 minutes of stored series, else since start' }),
  p50Ms: Nullable('server-side (INFO latencystats, Redis ≥ 7); null before Redis 7'),
  p99Ms: Nullable('server-side p99'),
  p999Ms: Nullable('server-side p99.9'),
  usecPerCall: Type.Number(),
});
const ClientCommand = Type.Object({
  command: Type.String(),
  count: Type.Integer(),
  errors: Type.Integer(),
  p50Ms: Type.Number(),
  p95Ms: Type.Number(),
  p99Ms: Type.Number(),
  kind: Type.Optional(Type.String({ description: 'read, write or other' })),
  maxMs: Type.Optional(Type.Number()),
  slow: Type.Optional(Type.Integer({ description: 'calls of at least the slow-command threshold' })),
});
const Performance = Type.Object({
  host: Type.String({ description: '`vitals-redis` for Vitals’ own Redis' }),
  time: Type.Integer({ description: 'ms since the epoch' }),
  partial: Type.Optional(Type.Literal(true, { description: 'live or stored figures could not all be read' })),
  commands: Type.Array(Command, { description: 'busiest first, at most 50' }),
  opsPerSec: Nullable('instantaneous_ops_per_sec'),
  hitRatePct: Nullable('keyspace hit rate over the last 15 minutes, else since start'),
  memory: Type.Object({
    usedBytes: Nullable('used_memory'),
    maxBytes: Nullable('maxmemory (0: no limit)'),
    usedPct: Nullable('of maxmemory; null without one'),
    fragmentation: Nullable('mem_fragmentation_ratio'),
    trend: Type.Array(Point, { description: 'used_memory over the last hour, one point per minute' }),
  }),
  slowlog: Type.Array(
    Type.Object({
      id: Type.Integer(),
      timestamp: Type.Integer(),
      durationMicros: Type.Integer(),
      command: Type.String({ description: 'command name only: arguments are never shown' }),
      args: Type.Integer({ description: 'how many arguments it had' }),
    }),
  ),
  latencyLatest: Type.Array(
    Type.Object({
      event: Type.String(),
      timestamp: Type.Integer(),
      latestMs: Type.Number(),
      maxMs: Type.Number(),
    }),
  ),
  client: Type.Optional(
    Type.Object(
      { commands: Type.Array(ClientCommand) },
      { description: 'as Vitals times its own commands (own Redis only)' },
    ),
  ),
  insights: Type.Array(
    Type.Object({
      level: Type.Union([Type.Literal('info'), Type.Literal('warn'), Type.Literal('critical')]),
      text: Type.String(),
    }),
  ),
});
const Query = Type.Object(
  {
    host: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: 'a `redis` host; default: Vitals’ own Redis',
      }),
    ),
  },
  { additionalProperties: false },
);
const MonitorStatus = Type.Object({
  running: Type.Boolean(),
  intervalMs: Type.Integer(),
  lastRunAt: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
});

/**
 * Redis performance (`/api/v1/redis/performance` and its alias `/performance`) and control of this
 * process' self-monitor (`/monitoring/status|start|stop`). Needs `installAuth` first.
 */
export function redisPerformanceRoutes(app: FastifyInstance, deps: RedisPerformanceRouteDeps): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { performance, selfMonitor } = deps.redisMonitor;
  for (const url of ['/api/v1/redis/performance', '/performance']) {
    api.get(
      url,
      {
        config: { scope: 'read' },
        schema: {
          summary: 'Redis performance: per-command latency, hit rate, memory, slow log and insights',
          tags,
          querystring: Query,
          response: { 200: Performance },
        },
      },
      async (request) => performance.report(authOf(request).org, request.query.host),
    );
  }

  const defaultOrg = (request: FastifyRequest) => {
    if (authOf(request).org !== DEFAULT_ORG)
      throw new PublicError('forbidden', 'only the default org controls the self-monitor');
  };
  api.get(
    '/monitoring/status',
    {
      config: { scope: 'read' },
      schema: { summary: 'Self-monitor of this process', tags, response: { 200: MonitorStatus } },
    },
    async (request) => {
      defaultOrg(request);
      return selfMonitor.status();
    },
  );
  for (const action of ['start', 'stop'] as const) {
    api.post(
      `/monitoring/${action}`,
      {
        config: { scope: 'admin' },
        schema: {
          summary: `${action === 'start' ? 'Start' : 'Stop'} the self-monitor in this process`,
          tags,
          response: { 200: MonitorStatus },
        },
      },
      async (request) => {
        defaultOrg(request);
        if (action === 'start') selfMonitor.start();
        else await selfMonitor.stop();
        return selfMonitor.status();
      },
    );
  }
}
