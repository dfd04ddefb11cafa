import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import {
  type AlertStates,
  type AlertStatus,
  type Silence as SilenceRecord,
  silenceState,
} from '../../alerts/index.ts';
import { SELF_REDIS_HOST } from '../../monitor/index.ts';
import type { Tenancy } from '../../tenancy/index.ts';
import { authOf } from '../auth.ts';
import { PublicError } from '../errors.ts';
import type { HostDirectory } from '../services.ts';

export interface AlertRouteDeps {
  readonly alertStates: AlertStates;
  readonly hosts: HostDirectory;
  readonly tenancy: Tenancy;
}

const tags = ['alerts'];
const STATUSES = ['pending', 'firing', 'acknowledged', 'resolved'] as const;
const Ms = Type.Integer({ minimum: 0 });
const Text = Type.String({ minLength: 1, maxLength: 1000 });
const Id = Type.String({ minLength: 1, maxLength: 300 });
const Labels = Type.Record(Type.String(), Type.String());
const Status = Type.Union([
  Type.Literal('pending'),
  Type.Literal('firing'),
  Type.Literal('acknowledged'),
  Type.Literal('resolved'),
]);
const SeverityT = Type.Union([Type.Literal('warning'), Type.Literal('critical')]);

const Alert = Type.Object({
  id: Type.String(),
  org: Type.String(),
  ruleId: Type.String(),
  instance: Type.String(),
  host: Type.String(),
  series: Type.Optional(Type.String()),
  status: Status,
  severity: SeverityT,
  labels: Labels,
  annotations: Type.Object({ summary: Type.String(), description: Type.Optional(Type.String()) }),
  value: Type.Union([Type.Number(), Type.Null()]),
  threshold: Type.Number(),
  startedAt: Ms,
  firedAt: Type.Optional(Ms),
  ack: Type.Optional(
    Type.Object({
      by: Type.String(),
      at: Ms,
      note: Type.Optional(Type.String()),
      expiresAt: Type.Optional(Ms),
    }),
  ),
  resolvedAt: Type.Optional(Ms),
  resolvedBy: Type.Optional(Type.Object({ by: Type.String(), note: Type.Optional(Type.String()) })),
  flapping: Type.Boolean(),
  stale: Type.Boolean(),
  silencedBy: Type.Array(Type.String()),
  updatedAt: Ms,
});
const Transition = Type.Object({
  alertId: Type.String(),
  org: Type.String(),
  seq: Type.Integer(),
  action: Type.String(),
  from: Type.Union([Status, Type.Null()]),
  to: Status,
  at: Ms,
  by: Type.Optional(Type.String()),
  note: Type.Optional(Type.String()),
  host: Type.String(),
  ruleId: Type.String(),
});
const Detail = Type.Object({ alert: Alert, history: Type.Array(Transition) });
const AlertPage = Type.Object({
  alerts: Type.Array(Alert),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
const Count = Type.Integer({ minimum: 0 });
const Summary = Type.Object({
  byStatus: Type.Object(Object.fromEntries(STATUSES.map((s) => [s, Count]))),
  bySeverity: Type.Object({ warning: Count, critical: Count }),
  firingByHost: Type.Record(
    Type.String(),
    Type.Object({ warning: Type.Optional(Count), critical: Type.Optional(Count) }),
  ),
  flapping: Count,
  silenced: Count,
});
const ListQuery = Type.Object(
  {
    status: Type.Optional(
      Type.String({
        pattern: `^(${STATUSES.join('|')})(,(${STATUSES.join('|')}))*$`,
        description: 'comma-separated statuses; default: pending,firing,acknowledged',
      }),
    ),
    severity: Type.Optional(SeverityT),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    rule: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
const HistoryQuery = Type.Object(
  {
    from: Type.Optional(Type.Integer({ minimum: 0, description: 'ms; default: 24 h before `to`' })),
    to: Type.Optional(Type.Integer({ minimum: 0, description: 'ms; default: now' })),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    rule: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
const Params = Type.Object({ id: Id });
const ActionBody = Type.Object(
  {
    action: Type.Union([Type.Literal('ack'), Type.Literal('unack'), Type.Literal('resolve')]),
    note: Type.Optional(Text),
    expiresInMs: Type.Optional(
      Type.Integer({
        minimum: 1000,
        maximum: 365 * 86_400_000,
        description: 'ack only: back to firing after this',
      }),
    ),
  },
  { additionalProperties: false },
);
const Matcher = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    value: Type.String({ maxLength: 1000 }),
    isRegex: Type.Optional(Type.Boolean({ description: 'value is an anchored regex; default false' })),
    isEqual: Type.Optional(Type.Boolean({ description: 'false: the matcher is negated; default true' })),
  },
  { additionalProperties: false },
);
const SilenceBody = Type.Object(
  {
    matchers: Type.Array(Matcher, { minItems: 1, maxItems: 32 }),
    startsAt: Type.Optional(Ms),
    endsAt: Ms,
    comment: Text,
  },
  { additionalProperties: false },
);
const Silence = Type.Object({
  id: Type.String(),
  org: Type.String(),
  matchers: Type.Array(
    Type.Object({
      name: Type.String(),
      value: Type.String(),
      isRegex: Type.Boolean(),
      isEqual: Type.Boolean(),
    }),
  ),
  startsAt: Ms,
  endsAt: Ms,
  createdBy: Type.String(),
  comment: Type.String(),
  createdAt: Ms,
  updatedAt: Ms,
  status: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('expired')]),
});
const SilenceQuery = Type.Object(
  {
    state: Type.Optional(
      Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('expired')]),
    ),
  },
  { additionalProperties: false },
);

/** Who acts: the token's name and id, as history and the alert keep it. */
async function actor(request: FastifyRequest, tenancy: Tenancy): Promise<string> {
  const { org, tokenId } = authOf(request);
  const token = (await tenancy.listTokens(org)).find((t) => t.id === tokenId);
  return token ? `${token.name} · token ${tokenId}` : `token ${tokenId}`;
}

function statuses(list: string | undefined): AlertStatus[] | undefined {
  return list === undefined ? undefined : [...new Set(list.split(',') as AlertStatus[])];
}

/**
 * The alert lifecycle over HTTP: list, summary, one alert with its history, history by time, actions
 * (ack, unack, resolve; admin) and silences (reads `read`, changes `admin`). Aliases without the
 * `/api/v1` prefix serve the older Redis-monitoring clients. Needs `installAuth` first.
 */
export function alertRoutes(app: FastifyInstance, deps: AlertRouteDeps): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const states = deps.alertStates;

  const list = (request: FastifyRequest, query: Static<typeof ListQuery>, hosts?: ReadonlySet<string>) =>
    states.views.list(authOf(request).org, {
      statuses: statuses(query.status),
      severity: query.severity,
      host: query.host,
      rule: query.rule,
      limit: query.limit,
      cursor: query.cursor,
      hosts,
    });

  api.get(
    '/api/v1/alerts',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'List alerts (default: the open ones), newest first',
        tags,
        querystring: ListQuery,
        response: { 200: AlertPage },
      },
    },
    async (request) => (await list(request, request.query)) as Static<typeof AlertPage>,
  );

  api.get(
    '/monitoring/redis/alerts',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Alerts of Redis: of hosts of collector kind redis and of Vitals’ own Redis (vitals-redis)',
        tags,
        querystring: ListQuery,
        response: { 200: AlertPage },
      },
    },
    async (request) => {
      const hosts = await deps.hosts.list(authOf(request).org);
      const redisHosts = new Set([
        SELF_REDIS_HOST,
        ...hosts.filter((h) => h.collector === 'redis').map((h) => h.id),
      ]);
      return (await list(request, request.query, redisHosts)) as Static<typeof AlertPage>;
    },
  );

  for (const url of ['/api/v1/alerts/summary', '/alerts/summary']) {
    api.get(
      url,
      {
        config: { scope: 'read' },
        schema: {
          summary: 'Alert counts by status and severity, firing ones by host (for badges)',
          tags,
          response: { 200: Summary },
        },
      },
      async (request) => states.views.summary(authOf(request).org, Date.now()),
    );
  }

  api.get(
    '/api/v1/alerts/history',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Transitions of alerts in a time range, oldest first, a page at a time',
        tags,
        querystring: HistoryQuery,
        response: {
          200: Type.Object({
            transitions: Type.Array(Transition),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const { from, to = Date.now(), ...rest } = request.query;
      const start = from ?? Math.max(0, to - 86_400_000);
      if (start > to) throw new PublicError('bad_request', 'query.from: must not be after to');
      return states.views.history(authOf(request).org, { from: start, to, ...rest });
    },
  );

  silenceRoutes(app, deps);

  api.get(
    '/api/v1/alerts/:id',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'One alert with its transitions, oldest first',
        tags,
        params: Params,
        response: { 200: Detail },
      },
    },
    async (request) =>
      (await states.views.get(authOf(request).org, request.params.id)) as Static<typeof Detail>,
  );

  for (const url of ['/api/v1/alerts/:id/action', '/alerts/:id/action']) {
    api.post(
      url,
      {
        config: { scope: 'admin' },
        schema: {
          summary:
            'Acknowledge (optionally until expiresInMs), unacknowledge or resolve an alert, with a note',
          tags,
          params: Params,
          body: ActionBody,
          response: { 200: Alert },
        },
      },
      async (request) => {
        const { action, note, expiresInMs } = request.body;
        if (expiresInMs !== undefined && action !== 'ack')
          throw new PublicError('bad_request', 'body.expiresInMs: only an ack expires');
        const by = await actor(request, deps.tenancy);
        const done = await states.act(
          authOf(request).org,
          request.params.id,
          { action, note, expiresInMs, by },
          Date.now(),
        );
        return done.alert as Static<typeof Alert>;
      },
    );
  }
}

function silenceRoutes(app: FastifyInstance, deps: AlertRouteDeps): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const silences = deps.alertStates.silences;
  const withStatus = (s: SilenceRecord, now: number) =>
    ({ ...s, status: silenceState(s, now) }) as Static<typeof Silence>;

  api.get(
    '/api/v1/alerts/silences',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'List silences, newest first',
        tags,
        querystring: SilenceQuery,
        response: { 200: Type.Object({ silences: Type.Array(Silence) }) },
      },
    },
    async (request) => {
      const now = Date.now();
      const list = await silences.list(authOf(request).org, now, request.query.state);
      return { silences: list.map((s) => withStatus(s, now)) };
    },
  );

  api.post(
    '/api/v1/alerts/silences',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Create a silence: label matchers and a time window, with a comment',
        tags,
        body: SilenceBody,
        response: { 201: Silence },
      },
    },
    async (request, reply) => {
      const now = Date.now();
      const by = await actor(request, deps.tenancy);
      const made = await silences.create(authOf(request).org, request.body, by, now);
      return reply.status(201).send(withStatus(made, now));
    },
  );

  api.delete(
    '/api/v1/alerts/silences/:id',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Expire a silence now (alerts it held are released on the next evaluation)',
        tags,
        params: Params,
        response: { 200: Silence },
      },
    },
    async (request) => {
      const now = Date.now();
      return withStatus(await silences.expire(authOf(request).org, request.params.id, now), now);
    },
  );
}
