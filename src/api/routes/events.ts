import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import {
  type ConnectionEvent,
  EVENT_TYPES,
  type EventBucket,
  type EventInput,
  type EventRecorder,
  type EventStats,
  type EventType,
} from '../../events/contract.ts';
import { isoOf, pushEvent, toMs } from '../../events/instrument.ts';
import type { PushFormat } from '../../events/instrument-push.ts';
import { authOf } from '../auth.ts';
import { PublicError } from '../errors.ts';

/** A page of events, newest first; `partial` when older events could not be read (Redis away). */
export interface EventPage {
  readonly events: readonly ConnectionEvent[];
  readonly nextCursor?: string;
  readonly partial?: boolean;
}

export interface EventListQuery {
  readonly org: string;
  readonly type?: EventType;
  readonly from?: number;
  readonly to?: number;
  readonly status?: 'ok' | 'error';
  readonly limit: number;
  readonly cursor?: string;
}

type Maybe<T> = T | Promise<T>;

/** What the routes read from the event log. */
export interface EventQueries {
  list(query: EventListQuery): Maybe<EventPage>;
  stats(org: string, type?: EventType): Maybe<readonly EventStats[]>;
  buckets(query: {
    org: string;
    type: EventType;
    from: number;
    to: number;
    bucketMs: number;
  }): Maybe<readonly EventBucket[]>;
}

export interface EventRouteDeps {
  readonly log: EventQueries;
  /** Where posted events go (the live feed in front of the log). */
  readonly recorder: EventRecorder;
}

const tags = ['events'];
export const MAX_POSTED_EVENTS = 1000;
export const MAX_BUCKETS = 1440;
const CUSTOM = 'custom\\.[a-z0-9_-]{1,64}';
const TYPE_PATTERN = `^(?:${EVENT_TYPES.join('|')}|${CUSTOM})$`;

const Type_ = Type.String({
  pattern: TYPE_PATTERN,
  description: `${EVENT_TYPES.join(', ')} or custom.<name> (name: a-z, 0-9, _ and -, 1–64)`,
});
const Time = Type.Number({
  minimum: 0,
  description: 'ms since the epoch, or seconds when below 1e11 (1e11 ms is 1973)',
});
const Meta = Type.Record(
  Type.String({ maxLength: 64 }),
  Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean()]),
  { maxProperties: 16 },
);
const Status = Type.Union([Type.Literal('ok'), Type.Literal('error')]);

const PostedEvent = Type.Object({
  type: Type.String({ pattern: `^${CUSTOM}$`, description: 'custom.<name>: a-z, 0-9, _ and -, 1–64' }),
  status: Status,
  at: Type.Optional(Time),
  latencyMs: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400_000 })),
  message: Type.Optional(Type.String({ maxLength: 1000 })),
  meta: Type.Optional(Meta),
});
type PostedEvent = Static<typeof PostedEvent>;
const PostBody = Type.Union([
  PostedEvent,
  Type.Object({ events: Type.Array(PostedEvent, { minItems: 1, maxItems: MAX_POSTED_EVENTS }) }),
]);
type PostBody = Static<typeof PostBody>;

const Event = Type.Object({
  id: Type.String(),
  type: Type.String(),
  status: Status,
  at: Type.Integer(),
  time: Type.Union([Type.String(), Type.Null()]),
  latencyMs: Type.Optional(Type.Number()),
  message: Type.Optional(Type.String()),
  meta: Type.Optional(Meta),
});
const Page = Type.Object({
  events: Type.Array(Event),
  nextCursor: Type.Optional(Type.String()),
  partial: Type.Boolean(),
});
const Latency = Type.Union([Type.Number(), Type.Null()]);
const Stats = Type.Object({
  type: Type.String(),
  count: Type.Integer(),
  errors: Type.Integer(),
  errorRatePct: Type.Number(),
  lastAt: Type.Optional(Type.Integer()),
  lastTime: Type.Optional(Type.String()),
  lastError: Type.Optional(
    Type.Object({
      at: Type.Integer(),
      time: Type.Union([Type.String(), Type.Null()]),
      message: Type.Optional(Type.String()),
    }),
  ),
  latency: Type.Object({ p50: Latency, p95: Latency, p99: Latency }),
});
const Bucket = Type.Object({
  start: Type.Integer(),
  time: Type.Union([Type.String(), Type.Null()]),
  events: Type.Integer(),
  errors: Type.Integer(),
  latencyP50: Latency,
  latencyP95: Latency,
});

const ListQuery = Type.Object({
  type: Type.Optional(Type_),
  from: Type.Optional(Time),
  to: Type.Optional(Time),
  status: Type.Optional(Status),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'default 100' })),
  cursor: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'nextCursor of the page before' }),
  ),
});
type ListQuery = Static<typeof ListQuery>;
const SeriesQuery = Type.Object({
  type: Type_,
  from: Type.Optional(Type.Number({ minimum: 0, description: 'ms or s; default: to − 1 h' })),
  to: Type.Optional(Type.Number({ minimum: 0, description: 'ms or s; default: now' })),
  bucket: Type.Optional(
    Type.Integer({
      minimum: 1000,
      description: `bucket width in ms; default 60000; at most ${MAX_BUCKETS} buckets`,
    }),
  ),
});
type SeriesQuery = Static<typeof SeriesQuery>;

function eventOut(e: ConnectionEvent) {
  return {
    id: e.id,
    type: e.type,
    status: e.status,
    at: e.at,
    time: isoOf(e.at),
    ...(e.latencyMs !== undefined && { latencyMs: e.latencyMs }),
    ...(e.message !== undefined && { message: e.message }),
    ...(e.meta !== undefined && { meta: e.meta }),
  };
}

function statsOut(s: EventStats) {
  return {
    ...s,
    ...(s.lastAt !== undefined && { lastTime: isoOf(s.lastAt) ?? undefined }),
    ...(s.lastError && { lastError: { ...s.lastError, time: isoOf(s.lastError.at) } }),
  };
}

function inputOf(org: string, posted: PostedEvent): EventInput {
  return {
    ...posted,
    type: posted.type as EventType,
    org,
    ...(posted.at !== undefined && { at: toMs(posted.at) }),
  };
}

/** [from, to] in ms with defaults, refused when reversed. */
function rangeOf(query: { from?: number; to?: number }, now: number, defaultSpanMs?: number) {
  const to = query.to === undefined ? now : toMs(query.to);
  const from =
    query.from === undefined
      ? defaultSpanMs === undefined
        ? undefined
        : to - defaultSpanMs
      : toMs(query.from);
  if (from !== undefined && from > to)
    throw new PublicError('bad_request', 'query.from: must not be after query.to');
  return { from, to: query.to === undefined && defaultSpanMs === undefined ? undefined : to };
}

/**
 * `/api/v1/events…`: external events in (ingest scope), events, stats and time series out (read scope),
 * always of the caller's org. Events of this process also go out live as `events` messages of
 * `/api/v1/live`.
 */
export function eventRoutes(app: FastifyInstance, deps: EventRouteDeps): void {
  app.post<{ Body: PostBody }>(
    '/api/v1/events',
    {
      config: { scope: 'ingest' },
      schema: {
        tags,
        summary: `Record external events: one, or {events: [...]} with up to ${MAX_POSTED_EVENTS}`,
        body: PostBody,
        response: { 202: Type.Object({ accepted: Type.Integer() }) },
      },
    },
    async (request, reply) => {
      const { org } = authOf(request);
      const posted = 'events' in request.body ? request.body.events : [request.body];
      for (const event of posted) deps.recorder.record(inputOf(org, event));
      return reply.status(202).send({ accepted: posted.length });
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/api/v1/events',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        summary: 'Events, newest first, paged',
        querystring: ListQuery,
        response: { 200: Page },
      },
    },
    async (request) => {
      const q = request.query;
      const { from, to } = rangeOf(q, Date.now());
      const page = await deps.log.list({
        org: authOf(request).org,
        ...(q.type !== undefined && { type: q.type as EventType }),
        ...(from !== undefined && { from }),
        ...(to !== undefined && { to }),
        ...(q.status !== undefined && { status: q.status }),
        limit: q.limit ?? 100,
        ...(q.cursor !== undefined && { cursor: q.cursor }),
      });
      return {
        events: page.events.map(eventOut),
        ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
        partial: page.partial === true,
      };
    },
  );

  app.get<{ Querystring: { type?: string } }>(
    '/api/v1/events/stats',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        summary: 'Per type: count, errors, error rate, last error, latency p50/p95/p99',
        querystring: Type.Object({ type: Type.Optional(Type_) }),
        response: { 200: Type.Object({ stats: Type.Array(Stats) }) },
      },
    },
    async (request) => {
      const type = request.query.type as EventType | undefined;
      return { stats: (await deps.log.stats(authOf(request).org, type)).map(statsOut) };
    },
  );

  app.get<{ Querystring: SeriesQuery }>(
    '/api/v1/events/series',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        summary: 'Per bucket: events, errors, latency p50/p95 of one type (events/min with bucket=60000)',
        querystring: SeriesQuery,
        response: {
          200: Type.Object({ type: Type.String(), bucketMs: Type.Integer(), buckets: Type.Array(Bucket) }),
        },
      },
    },
    async (request) => seriesOf(deps, request, request.query),
  );
}

async function seriesOf(deps: EventRouteDeps, request: FastifyRequest, q: SeriesQuery) {
  const bucketMs = q.bucket ?? 60_000;
  const { from = 0, to = 0 } = rangeOf(q, Date.now(), 3_600_000);
  const count = Math.ceil((to - from) / bucketMs);
  if (count > MAX_BUCKETS)
    throw new PublicError(
      'bad_request',
      `query.bucket: ${count.toLocaleString('en-US')} buckets from query.from to query.to; at most ${MAX_BUCKETS.toLocaleString('en-US')} (widen the bucket or narrow the range)`,
    );
  const type = q.type as EventType;
  const buckets = await deps.log.buckets({ org: authOf(request).org, type, from, to, bucketMs });
  return { type, bucketMs, buckets: buckets.map((b) => ({ ...b, time: isoOf(b.start) })) };
}

const PUSH_ROUTES: Readonly<Record<string, PushFormat>> = {
  '/api/v1/ingest': 'json',
  '/api/v1/write': 'influx',
  '/write': 'influx',
  '/api/v2/write': 'influx',
  '/api/v1/prom/write': 'prom-remote-write',
  '/v1/metrics': 'otlp',
};

/**
 * Records every agent push over HTTP as an `agent-push` event when its answer has gone out (the
 * built-in local agent pushes in-process and is not recorded). Install before the ingest routes.
 */
export function installPushEvents(app: FastifyInstance, recorder: EventRecorder): void {
  const errors = new WeakMap<FastifyRequest, string>();
  const onSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (reply.statusCode >= 400 && typeof payload === 'string') errors.set(request, errorMessage(payload));
    return payload;
  };
  const onResponse = async (request: FastifyRequest, reply: FastifyReply) => {
    const format = PUSH_ROUTES[request.routeOptions.url ?? ''];
    // Without an accepted token there is no org to record it for (see `pushEvent`).
    if (!format || request.method !== 'POST' || !request.auth) return;
    const query = request.query as { host?: unknown } | undefined;
    recorder.record(
      pushEvent({
        org: request.auth.org,
        format,
        statusCode: reply.statusCode,
        latencyMs: reply.elapsedTime,
        body: format === 'json' ? request.body : undefined,
        ...(typeof query?.host === 'string' && { queryHost: query.host }),
        ...(errors.has(request) && { error: errors.get(request) }),
      }),
    );
  };
  // Hooks of the push routes only: every other request skips them. The recorder reads an error before
  // the route's own hooks reshape it (the Influx and OTLP dialects).
  app.addHook('onRoute', (route) => {
    if (!PUSH_ROUTES[route.url]) return;
    route.onSend = [onSend, ...hooksOf(route.onSend)];
    route.onResponse = [...hooksOf(route.onResponse), onResponse];
  });
}

function hooksOf<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

function errorMessage(payload: string): string {
  try {
    const parsed: unknown = JSON.parse(payload);
    const message: unknown = Reflect.get(Object(Reflect.get(Object(parsed), 'error')), 'message');
    return typeof message === 'string' ? message : payload.slice(0, 200);
  } catch {
    return payload.slice(0, 200);
  }
}
