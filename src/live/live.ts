import { randomUUID } from 'node:crypto';
import type { Logger, RedisConfig } from '../config/index.ts';
import { createRedis, type RedisClient } from '../redis/index.ts';
import { LiveHub } from './hub.ts';
import type { HostChangeKind, LiveEvent } from './message.ts';
import { LivePublisher, type NewestSource } from './publisher.ts';
import { LiveTickets } from './tickets.ts';

export interface LiveDeps {
  /** Settings for the `subscriber` connection the hub opens for itself. */
  readonly redisConfig: RedisConfig;
  /** The process' `request`-role connection: PUBLISH and tickets. */
  readonly redis: RedisClient;
  /** The key prefix (`Keys.prefix`): channels and ticket keys carry it. */
  readonly prefix: string;
  /** Where the newest values come from: the tsdb's hot tier (`tsdb.ctx.hot`). */
  readonly newest: NewestSource;
  readonly logger: Logger;
  /** Least time between two messages of one host. @defaultValue 1000 */
  readonly intervalMs?: number;
  /** How long an SSE ticket can be redeemed. @defaultValue 60000 */
  readonly ticketTtlMs?: number;
}

/** Live updates of one server process: publisher, subscriber hub and SSE tickets. */
export interface Live {
  readonly hub: LiveHub;
  readonly publisher: LivePublisher;
  readonly tickets: LiveTickets;
  /** Call after every successful write: `live.publish(org, hostIds)`. Never throws, never waits. */
  publish(org: string, hosts: readonly string[]): void;
  /** Call after a host was created, changed or deleted. */
  hostChanged(org: string, host: string, change: HostChangeKind): void;
  /** Connection events of an org (the event log's live feed batches them). Never throws, never waits. */
  events(org: string, events: Extract<LiveEvent, { type: 'events' }>['events']): void;
  /** Stops publishing and closes the subscriber connection. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Wires the fan-out: every process publishes its writes to the org's channel and subscribes to the
 * channels of orgs whose clients it serves, so any process can stream any host. A process hands its
 * own events to its clients directly (they still flow while Redis is away) and skips their echo.
 */
export function createLive(deps: LiveDeps): Live {
  const logger = deps.logger.child({ component: 'live' });
  const origin = randomUUID();
  const subscriber = createRedis({ config: deps.redisConfig, logger }, 'subscriber', 'live-subscriber');
  const hub = new LiveHub({ subscriber, prefix: deps.prefix, origin, logger });
  const publisher = new LivePublisher({
    redis: deps.redis,
    prefix: deps.prefix,
    newest: deps.newest,
    origin,
    deliverLocally: (org, event) => hub.deliver(org, event),
    logger,
    intervalMs: deps.intervalMs,
  });
  const tickets = new LiveTickets({ redis: deps.redis, prefix: deps.prefix, ttlMs: deps.ticketTtlMs });
  return {
    hub,
    publisher,
    tickets,
    publish: (org, hosts) => publisher.publish(org, hosts),
    hostChanged: (org, host, change) => publisher.hostChanged(org, host, change),
    events: (org, events) => publisher.events(org, events),
    async close() {
      publisher.close();
      await hub.close();
    },
  };
}
