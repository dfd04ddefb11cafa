import {
  type AlertStateMachine,
  AlertStates,
  deliveryCheck,
  Notifier,
  RuleEvaluator,
  RuleStore,
} from '../alerts/index.ts';
import type { ApiServices, HostDirectory, HostSummary, LiveStreamOptions } from '../api/index.ts';
import { invalidateAfterWrite } from '../api/index.ts';
import { Cache } from '../cache/index.ts';
import { type Collection, createCollection } from '../collect/index.ts';
import type { Config, Logger } from '../config/index.ts';
import { EventLog, type EventRecorder } from '../events/index.ts';
import { LiveEventFeed, recordCollections, timedSender, watchRedisEvents } from '../events/instrument.ts';
import { IdempotencyStore, IngestService } from '../ingest/index.ts';
import { createLive, type Live } from '../live/index.ts';
import {
  cacheCheck,
  decodedBlocksCheck,
  type HealthRegistry,
  idempotencyCheck,
  ingestQueueCheck,
  RedisHealth,
  RedisPerformance,
  SelfMonitor,
  trackedReadsCheck,
} from '../monitor/index.ts';
import { OrgAdmin } from '../orgs/index.ts';
import {
  type CommandTimings,
  type ConnectionDeps,
  createRedis,
  type Keys,
  type RedisClient,
} from '../redis/index.ts';
import { type Host, RedisTenancy, SecretSeal } from '../tenancy/index.ts';
import type { Tsdb } from '../tsdb/index.ts';
import { hostRegistrar } from './host-registrar.ts';

export interface ApiWiring {
  readonly services: ApiServices;
  readonly tenancy: RedisTenancy;
  /** Org management; `runtime` closes it (pending second sweeps of deleted orgs, queue handles). */
  readonly orgs: OrgAdmin;
  readonly collection: Collection;
  readonly live: Live;
  readonly idempotency: IdempotencyStore;
  /** Own-Redis INFO as series of host `vitals-redis`; `runtime` starts it when VITALS_SELF_MONITOR is on. */
  readonly selfMonitor: SelfMonitor;
  /** Alert rules and their evaluator; `runtime` runs the evaluation loop over them (VITALS_ALERTS). */
  readonly alertRules: { readonly store: RuleStore; readonly evaluator: RuleEvaluator };
  /** The alert lifecycle the evaluation loop hands observations to (filled by the lifecycle's wiring). */
  readonly alertStates?: AlertStateMachine;
  /** Notification channels and delivery (queue + workers); `runtime` starts its worker and closes it. */
  readonly notifier: Notifier;
  /** Connection events; `runtime` reloads them at start and flushes them in the 'flush' stage. */
  readonly events: EventLog;
  /** Streams recorded events to live clients (`events` messages); `runtime` closes it. */
  readonly eventFeed: LiveEventFeed;
}

function summary(host: Host): HostSummary {
  const { id, name, labels, metricsInterval, thresholds } = host;
  return { id, name, labels, metricsInterval, thresholds, collector: host.collector.kind };
}

function directory(tenancy: RedisTenancy): HostDirectory {
  return {
    get: async (org, id) => {
      const host = await tenancy.getHost(org, id);
      return host ? summary(host) : undefined;
    },
    list: async (org) => (await tenancy.listHosts(org)).map(summary),
  };
}

export interface ApiServiceDeps {
  readonly config: Config;
  /** Keys sealing collector secrets at rest (`loadSecretKeys`): the first seals, every one opens. */
  readonly secretKeys: readonly Uint8Array[];
  readonly logger: Logger;
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly tsdb: Tsdb;
  readonly health: HealthRegistry;
  readonly timings: CommandTimings;
  readonly isReady: () => boolean;
  readonly version: string;
  /** The built dashboard (`web/dist`). */
  readonly webDir: string;
  readonly liveStreams?: LiveStreamOptions;
}

/** Tenancy, caches, idempotency, ingest, collection and live updates: the services the HTTP app serves. */
export function createApiServices(deps: ApiServiceDeps): ApiWiring {
  const { config, redis, keys, tsdb, logger } = deps;
  // Shares the sample writer's breaker: while it is open, events stay queued rather than try Redis.
  const events = new EventLog({
    redis,
    keys,
    logger: logger.child({ component: 'events' }),
    options: config.events,
    breaker: () => tsdb.writer.stats().breaker,
  });
  // Every connection below records its connects, errors and reconnects as `redis` events.
  const watch = (client: RedisClient, name: string) => watchRedisEvents(client, events, { role: name });
  watch(redis, 'request');
  const tenancy = new RedisTenancy({
    redis,
    keys,
    logger: logger.child({ component: 'tenancy' }),
    hosts: { autoRegister: config.api.autoRegisterHosts },
    // The sync subscribes again itself on every reconnect (ioredis' own re-subscription leaves its
    // promise unhandled when the connection closes meanwhile).
    subscriber: createRedis({ config: config.redis, logger, watch }, 'subscriber', 'tenancy-sync', {
      autoResubscribe: false,
    }),
    adminToken: config.api.adminToken,
    secretKeys: deps.secretKeys,
  });
  const live = createLive({
    redisConfig: config.redis,
    redis,
    prefix: keys.prefix,
    newest: tsdb.ctx.hot,
    logger,
  });
  const eventFeed = new LiveEventFeed((org, list) => live.events(org, list));
  events.subscribe((event) => eventFeed.add(event));
  const cache = new Cache(
    redis,
    keys.cache(config.api.cachePrefix),
    config.api.cacheTtlMs,
    config.api.cacheMinLoadMs,
  );
  const idempotency = new IdempotencyStore(
    redis,
    keys,
    config.api.idempotencyPrefix,
    config.api.idempotencyTtlSec,
  );
  const ingest = new IngestService({
    writer: tsdb.writer,
    idempotency,
    limits: config.api,
    registrar: hostRegistrar(tenancy, config.api.autoRegisterHosts),
    onWritten: async (org, written) => {
      live.publish(
        org,
        written.map((w) => w.host),
      );
      await invalidateAfterWrite(cache, org, written, Date.now(), (err) =>
        logger.warn({ err }, 'cached overview not dropped after a write'),
      );
    },
  });
  const collection = createCollection(
    {
      connection: { config: config.redis, logger, timings: deps.timings, watch },
      keys,
      hosts: tenancy,
      writer: tsdb.writer,
      cache,
      logger,
    },
    config.collect,
  );
  tenancy.onHostChange((change) => live.hostChanged(change.org, change.host.id, change.type));
  collection.onCollection((event) => {
    if (event.status === 'ok') live.publish(event.org, [event.host]);
  });
  collection.onCollection(recordCollections(events));
  registerChecks(deps, tsdb, cache, idempotency, redis);
  const notifier = createNotifier(deps, events, watch);
  // The lifecycle: the evaluation loop applies observations to it; actions' notifications go to the notifier.
  const alertStates = new AlertStates({
    redis,
    keys,
    sink: notifier,
    logger: logger.child({ component: 'alert-states' }),
  });
  const selfMonitor = new SelfMonitor({
    redis,
    keys,
    logger: logger.child({ component: 'self-monitor' }),
    intervalMs: config.selfMonitor.intervalMs,
    hosts: tenancy,
    ingest,
  });
  const alertRules = {
    store: new RuleStore({ redis, keys, hosts: tenancy, thresholds: config.redisHealth }, (org, field, err) =>
      logger.warn({ err, org, field }, 'stored alert rule does not fit the rule schema; left out'),
    ),
    evaluator: new RuleEvaluator({ ctx: tsdb.ctx, hosts: tenancy }),
  };
  const performance = new RedisPerformance({ redis, tsdb: tsdb.ctx, timings: deps.timings, hosts: tenancy });
  const orgs = new OrgAdmin({
    tenancy,
    redis,
    keys,
    cachePrefix: config.api.cachePrefix,
    logger: logger.child({ component: 'orgs' }),
  });
  const services: ApiServices = {
    logger,
    health: deps.health,
    isReady: deps.isReady,
    version: deps.version,
    redis,
    keys,
    tenancy,
    orgs,
    hosts: directory(tenancy),
    tsdb,
    ingest,
    cache,
    collect: collection.control,
    redisMonitor: { performance, selfMonitor },
    redisHealth: redisHealthOf(deps),
    redisThresholds: config.redisHealth,
    alertChannels: notifier,
    live,
    webDir: deps.webDir,
    liveStreams: deps.liveStreams,
    alertRules,
    alertStates,
    events,
  };
  return {
    services,
    tenancy,
    orgs,
    collection,
    live,
    idempotency,
    selfMonitor,
    alertRules,
    alertStates,
    notifier,
    events,
    eventFeed,
  };
}

/** Channels and delivery of notifications; its figures are `alerts:delivery` in `/health`. */
function createNotifier(
  deps: ApiServiceDeps,
  events: EventRecorder,
  watch: ConnectionDeps['watch'],
): Notifier {
  const { config, logger } = deps;
  const notifier = new Notifier(
    {
      connection: { config: config.redis, logger, timings: deps.timings, watch },
      keys: deps.keys,
      sealer: new SecretSeal(deps.secretKeys),
      logger,
      // Every delivery attempt (a channel test too) is a `webhook` or `smtp` event.
      wrapSend: (sender) => timedSender(events, sender),
    },
    config.alertDelivery,
  );
  deps.health.register(
    'alerts:delivery',
    deliveryCheck(
      () => notifier.figures(),
      () => notifier.counts(),
    ),
  );
  return notifier;
}

/** The Redis health checks of Vitals' own Redis and monitored ones; `redis:*` in `/health`. */
function redisHealthOf(deps: ApiServiceDeps): RedisHealth {
  const { redis, keys, tsdb, timings, config } = deps;
  const health = new RedisHealth({
    redis,
    keyPrefix: keys.prefix,
    timings,
    tsdb: tsdb.ctx,
    thresholds: config.redisHealth,
  });
  health.registerIn(deps.health);
  return health;
}

function registerChecks(
  deps: ApiServiceDeps,
  tsdb: Tsdb,
  cache: Cache,
  idempotency: IdempotencyStore,
  redis: RedisClient,
): void {
  deps.health.register(
    'ingest:queue',
    ingestQueueCheck(() => tsdb.writer.stats()),
  );
  deps.health.register(
    'cache:hitRate',
    cacheCheck(() => cache.stats()),
  );
  deps.health.register(
    'reads:tracked',
    trackedReadsCheck(() => tsdb.ctx.reads?.stats()),
  );
  deps.health.register(
    'reads:decoded',
    decodedBlocksCheck(() => tsdb.ctx.decoded?.stats()),
  );
  deps.health.register(
    'idempotency:store',
    idempotencyCheck(
      () => idempotency.stats(),
      () => redis.status === 'ready',
    ),
  );
}

/**
 * Creates the default org and the admin token once Redis answers (at once, or on the first connect).
 * A generated token is printed to stdout once — never through the logger — and stored only hashed.
 */
export function bootstrapWhenReady(
  tenancy: RedisTenancy,
  redis: RedisClient,
  adminToken: string | undefined,
  logger: Logger,
): void {
  const run = () =>
    tenancy.bootstrap({ adminToken }).then(
      ({ generatedAdminToken }) => {
        if (generatedAdminToken) {
          process.stdout.write(
            `\nVitals admin token (shown once; store it now):\n  ${generatedAdminToken}\n\n`,
          );
        }
      },
      (err: unknown) => logger.warn({ err }, 'tenancy bootstrap failed; retried when Redis reconnects'),
    );
  if (redis.status === 'ready') void run();
  redis.on('ready', () => void run());
}
