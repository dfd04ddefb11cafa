import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { EventRecorder } from '../../events/index.ts';
import { liveClientOpened } from '../../events/instrument.ts';
import type { Live, SseOptions, TicketHolder } from '../../live/index.ts';
import { SseStream } from '../../live/index.ts';
import { grants, type Tenancy } from '../../tenancy/index.ts';
import { authOf } from '../auth.ts';
import { PublicError } from '../errors.ts';
import type { Shares } from '../shares.ts';

export interface LiveRouteDeps {
  readonly live: Pick<Live, 'hub' | 'tickets'>;
  /** Verifies bearer tokens and tells whether a stream's token still exists. */
  readonly tenancy: Pick<Tenancy, 'authenticate' | 'listTokens'>;
  readonly sse?: SseOptions;
  /** Open streams per token, per org and in this process; past a limit 429 or 503 + Retry-After. */
  readonly streams: Shares;
  /** How often an open stream checks that its token was not revoked. @defaultValue 60000 */
  readonly recheckMs?: number;
  /** Where each stream's opening and closing is recorded (`live-client` events). */
  readonly events?: EventRecorder;
}

const BEARER = /^(?:Bearer|Token)[ \t]+(\S+)[ \t]*$/i;
const LiveQuery = Type.Object({
  ticket: Type.Optional(
    Type.String({ maxLength: 100, description: 'one-time ticket from POST /api/v1/live/ticket' }),
  ),
  hosts: Type.Optional(
    Type.String({ maxLength: 4096, description: 'comma-separated host ids; default: every host' }),
  ),
  events: Type.Optional(
    Type.Boolean({ description: 'also connection events (`events` messages); default false' }),
  ),
});

/** The caller of a stream: a bearer token (curl, agents) or a one-time ticket (EventSource). */
async function holderOf(
  request: FastifyRequest,
  deps: LiveRouteDeps,
  ticket: string | undefined,
): Promise<TicketHolder> {
  const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
  const holder =
    token !== undefined
      ? await deps.tenancy.authenticate(token)
      : ticket
        ? await deps.live.tickets.redeem(ticket)
        : undefined;
  if (!holder) throw new PublicError('unauthorized', 'missing or invalid bearer token or ticket');
  if (!grants(holder.scopes, 'read')) throw new PublicError('forbidden', 'this token lacks the "read" scope');
  return holder;
}

/**
 * `POST /api/v1/live/ticket` (read scope) answers a one-time ticket valid for a minute;
 * `GET /api/v1/live?ticket=…` (or with an Authorization header) streams the org's live events as
 * server-sent events: `hello`, `samples`, `host`, `ping` every 15 s, `bye` on shutdown, `revoked`, and
 * with `?events=true` `events` (connection events, docs/events.md).
 */
export function liveRoutes(app: FastifyInstance, deps: LiveRouteDeps): void {
  const streams = new Set<SseStream>();
  const { hub, tickets } = deps.live;

  app.post(
    '/api/v1/live/ticket',
    {
      config: { scope: 'read' },
      schema: { tags: ['live'], summary: 'A one-time ticket to open the live stream with (valid 60 s)' },
    },
    async (request, reply) => {
      const { org, tokenId, scopes } = authOf(request);
      const issued = await tickets.issue({ org, tokenId, scopes });
      return reply.status(201).header('cache-control', 'no-store').send(issued);
    },
  );

  app.get<{ Querystring: { ticket?: string; hosts?: string; events?: boolean } }>(
    '/api/v1/live',
    {
      // Authenticates by itself: EventSource cannot send an Authorization header.
      config: { scope: 'public' },
      // A HEAD would open a stream that never sends its headers (Node holds them back for a HEAD
      // until the response ends), holding a stream slot for ever: HEAD gets 405 instead.
      exposeHeadRoute: false,
      schema: {
        tags: ['live'],
        summary: "Server-sent events: the org's hosts' newest values",
        querystring: LiveQuery,
      },
    },
    async (request, reply) => {
      const holder = await holderOf(request, deps, request.query.ticket);
      const release = deps.streams.acquire(holder);
      const only = request.query.hosts ? new Set(request.query.hosts.split(',').filter(Boolean)) : undefined;
      reply.hijack();
      const stream = new SseStream(reply.raw, deps.sse);
      streams.add(stream);
      stream.send('hello', { org: holder.org, heartbeatMs: deps.sse?.heartbeatMs ?? 15_000 });
      const withEvents = request.query.events === true;
      const unsubscribe = hub.subscribe(holder.org, (event) => {
        if (event.type === 'events') {
          if (withEvents) stream.send(event.type, event);
        } else if (!only || only.has(event.host)) stream.send(event.type, event);
      });
      const closed = deps.events && liveClientOpened(deps.events, holder.org, { transport: 'sse' });
      const recheck = setInterval(() => void endIfRevoked(stream, holder, deps), deps.recheckMs ?? 60_000);
      recheck.unref();
      stream.onEnd(() => {
        release();
        unsubscribe();
        clearInterval(recheck);
        streams.delete(stream);
        closed?.();
      });
    },
  );

  // Open streams would hold the server's close until its deadline: end them first, telling clients why.
  app.addHook('preClose', async () => {
    for (const stream of [...streams]) stream.end({ event: 'bye', data: { reason: 'shutdown' } });
  });
}

async function endIfRevoked(stream: SseStream, holder: TicketHolder, deps: LiveRouteDeps): Promise<void> {
  try {
    const tokens = await deps.tenancy.listTokens(holder.org);
    if (!tokens.some((t) => t.id === holder.tokenId)) stream.end({ event: 'revoked', data: {} });
  } catch {
    // Redis away: keep the stream; the next check decides.
  }
}
