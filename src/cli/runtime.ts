import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { startLocalAgent } from '../agent/index.ts';
import { type AlertStateMachine, EvaluationLoop, type NotificationSink } from '../alerts/index.ts';
import { buildApp, type LiveStreamOptions } from '../api/index.ts';
import { COLLECT_QUEUE } from '../collect/index.ts';
import { type Config, type Logger, loadSecretKeys } from '../config/index.ts';
import { VitalsError } from '../contract/index.ts';
import { EventFigures } from '../events/index.ts';
import type { GraphiteListener } from '../ingest/graphite-listener.ts';
import { IngestRejectedError } from '../ingest/index.ts';
import {
  HealthRegistry,
  SELF_HOST,
  SELF_REDIS_HOST,
  startTelemetry,
  type TelemetryRuntime,
} from '../monitor/index.ts';
import {
  CommandTimings,
  closeRedis,
  createRedis,
  findRedisServer,
  Keys,
  type ManagedRedis,
  type RedisClient,
  whenReady,
} from '../redis/index.ts';
import { DEFAULT_ORG } from '../tenancy/index.ts';
import { openTsdb, type Tsdb } from '../tsdb/index.ts';
import { type ApiWiring, bootstrapWhenReady, createApiServices } from './api-wiring.ts';
import { createGraphite } from './graphite-wiring.ts';
import { Lifecycle } from './lifecycle.ts';
import { maybeStartManaged } from './managed-redis.ts';
import { version } from './version.ts';

export interface Runtime {
  readonly config: Config;
  readonly app: FastifyInstance;
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly timings: CommandTimings;
  /** `/metrics`, self-metrics and the OTLP push. */
  readonly telemetry: TelemetryRuntime;
  readonly tsdb: Tsdb;
  readonly api: ApiWiring;
  readonly lifecycle: Lifecycle;
  /** The managed redis-server, when Vitals started one. */
  readonly managed: ManagedRedis | undefined;
  /** The alert evaluation loop (started when VITALS_ALERTS is on); absent without a state machine. */
  readonly alertEvaluation: EvaluationLoop | undefined;
  /** The Graphite plaintext listener (VITALS_GRAPHITE_PORT set); it listens with `listen()`. */
  readonly graphite: GraphiteListener | undefined;
  /** Address the HTTP server listens on, once `listen()` resolved. */
  url(): string;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** The built dashboard. @defaultValue `web/dist` of this checkout */
  readonly webDir?: string;
  /** Stream timings of `/api/v1/live`. @defaultValue heartbeat 15 s, token re-check 60 s */
  readonly liveStreams?: LiveStreamOptions;
  /**
   * Creates the default org and admin token once Redis answers. Off only for tests that run the
   * bootstrap themselves to read the generated token. @defaultValue true
   */
  readonly bootstrap?: boolean;
  /** Locates redis-server for the managed mode. @defaultValue a PATH lookup */
  readonly findRedisServer?: () => Promise<string | undefined>;
  /**
   * The alert lifecycle and notification sink the evaluation loop hands its observations to.
   * @defaultValue the composition's own (`ApiWiring.alertStates`, `ApiWiring.notifier`)
   */
  readonly alerting?: { readonly states?: AlertStateMachine; readonly sink?: NotificationSink };
  /**
   * The disk spool's directory; each worker of `VITALS_WORKERS` has its own (a spool has one owner).
   * @defaultValue `<VITALS_DATA_DIR>/spool`
   */
  readonly spoolDir?: string;
}

/** The server's own host, collected in-process and pushed through the ingest service (org `default`). */
function startBuiltInAgent(config: Config, logger: Logger, api: ApiWiring, lifecycle: Lifecycle): void {
  const local = startLocalAgent({
    intervalMs: config.localAgent.intervalMs,
    logger: logger.child({ component: 'local-agent' }),
    send: async (request) => {
      await api.services.ingest.pushJson(DEFAULT_ORG, request);
    },
    // Refused for good (a bad name, a limit): dropped, not offered again.
    isPermanent: (err) => err instanceof IngestRejectedError,
  });
  lifecycle.add('timers', () => local.stop());
}

/**
 * `/metrics`, the self-metrics series (host `vitals`) and the OTLP push. The collection queue is read
 * through its own Queue handle on a duplicate of the request connection (reads only).
 */
function wireTelemetry(
  config: Config,
  logger: Logger,
  parts: { redis: RedisClient; keys: Keys; tsdb: Tsdb; timings: CommandTimings; api: ApiWiring },
): TelemetryRuntime {
  const { redis, keys, tsdb, api } = parts;
  // A duplicate connection: BullMQ defines its scripts on the connection it is given, which would make
  // every pipeline of the request connection ten times dearer to create (src/orgs/org-admin.ts).
  const queueConnection = redis.duplicate();
  const queue = new Queue(keys.bullQueue(COLLECT_QUEUE), {
    connection: queueConnection,
    prefix: keys.bullPrefix(),
  });
  queue.on('error', () => undefined);
  const runtime = startTelemetry({
    config: config.telemetry,
    logger,
    redis,
    keyPrefix: keys.prefix,
    ctx: tsdb.ctx,
    timings: parts.timings,
    spoolBytes: () => tsdb.writer.stats().spoolBytes,
    queue,
    org: DEFAULT_ORG,
    redisHosts: async () => [
      SELF_REDIS_HOST,
      ...(await api.tenancy.listHosts(DEFAULT_ORG))
        .filter((h) => h.collector.kind === 'redis')
        .map((h) => h.id),
    ],
    ensureSelfHost: async () => {
      if (await api.tenancy.getHost(DEFAULT_ORG, SELF_HOST)) return;
      await api.tenancy
        .createHost(DEFAULT_ORG, { id: SELF_HOST, name: 'Vitals', labels: { role: 'self' } })
        .catch((err: unknown) => {
          if (!(err instanceof VitalsError && err.kind === 'conflict')) throw err;
        });
    },
    push: (request) => api.services.ingest.pushJson(DEFAULT_ORG, request),
    version,
  });
  api.services.ingest.observe(runtime.telemetry.ingestObserver);
  tsdb.writer.observe(runtime.telemetry.flushObserver);
  return {
    ...runtime,
    close: async () => {
      await runtime.close();
      await queue.close().catch(() => undefined);
      queueConnection.disconnect();
    },
  };
}

/**
 * The alert evaluation loop over the org's rules, handing observations to the lifecycle and what it
 * returns to the notifier. Without either (a composition that has none) there is no loop.
 */
function alertLoop(
  config: Config,
  logger: Logger,
  parts: { redis: RedisClient; keys: Keys; api: ApiWiring },
  options: RuntimeOptions,
): EvaluationLoop | undefined {
  const { api } = parts;
  const states = options.alerting?.states ?? api.alertStates;
  // The production state machine queues its notifications itself (through its outbox).
  const sink = options.alerting?.sink;
  if (!states) return undefined;
  return new EvaluationLoop({
    redis: parts.redis,
    keys: parts.keys,
    logger: logger.child({ component: 'alert-evaluation' }),
    intervalMs: config.alertEval.intervalMs,
    orgs: async () => (await api.tenancy.listOrgs()).map((o) => o.id),
    rules: api.alertRules.store,
    evaluator: api.alertRules.evaluator,
    states,
    ...(sink && { sink }),
  });
}

/**
 * Connection events: the last retention period reloaded into memory once Redis answers (at once when
 * it does), figures as series of host `vitals` every VITALS_SELF_MONITOR_INTERVAL (with
 * VITALS_SELF_METRICS), and pending events written in the 'flush' stage, before Redis closes.
 */
function startEvents(
  config: Config,
  logger: Logger,
  parts: { redis: RedisClient; keys: Keys; api: ApiWiring },
  lifecycle: Lifecycle,
): void {
  const { redis, keys, api } = parts;
  const events = api.events;
  whenReady(redis).then(
    () => events.reload(),
    () => undefined,
  );
  lifecycle.add('flush', () => events.close());
  if (!config.telemetry.selfMetrics) return;
  const figures = new EventFigures({
    log: events,
    redis,
    keys,
    logger: logger.child({ component: 'event-figures' }),
    intervalMs: config.selfMonitor.intervalMs,
    push: (org, request) => api.services.ingest.pushJson(org, request),
    orgExists: async (org) => (await api.services.tenancy.getOrg(org)) !== undefined,
  });
  figures.start();
  lifecycle.add('timers', () => figures.stop());
}

/** The keys sealing collector secrets; a generated key file is announced (its path, never the key). */
function secretKeys(config: Config, logger: Logger): readonly Buffer[] {
  const loaded = loadSecretKeys(config.server);
  if (loaded.source === 'generated')
    logger.info(
      { path: loaded.path },
      'generated the key that seals collector secrets; back it up, or set VITALS_SECRET_KEY (see docs/operations.md)',
    );
  if (loaded.narrowed)
    logger.warn({ path: loaded.path }, 'the secret key file was readable by others; now 0600');
  return loaded.keys;
}

/** The composition root: wires every capability and owns their shutdown order. */
export async function createRuntime(
  config: Config,
  logger: Logger,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const lifecycle = new Lifecycle((stage, err) => logger.error({ err, stage }, 'error during shutdown'));
  const managed = await maybeStartManaged(
    config,
    logger,
    options.findRedisServer ?? (() => findRedisServer()),
  );
  if (managed) lifecycle.add('managed', () => managed.stop());

  const timings = new CommandTimings({ slowMs: config.telemetry.redisSlowMs });
  const redis = createRedis({ config: config.redis, logger, timings }, 'request');
  lifecycle.add('redis', () => closeRedis(redis));

  const keys = new Keys(config.redis.keyPrefix);
  const tsdb = await openTsdb({ config, redis, keys, logger, spoolDir: options.spoolDir });
  // Pending samples are flushed after HTTP and workers stopped (nothing new arrives) and before Redis closes.
  lifecycle.add('flush', () => tsdb.close());
  tsdb.startMaintenance();
  lifecycle.add('timers', () => tsdb.stopMaintenance());

  const health = new HealthRegistry({ serviceId: 'vitals', releaseId: version });
  // `redis:connectivity`, `redis:memory`… are registered with the Redis health checks (api-wiring).

  const api = createApiServices({
    config,
    secretKeys: secretKeys(config, logger),
    logger,
    redis,
    keys,
    tsdb,
    health,
    timings,
    isReady: () => !lifecycle.isClosing,
    version,
    webDir: options.webDir ?? fileURLToPath(new URL('../../web/dist', import.meta.url)),
    liveStreams: options.liveStreams,
  });
  lifecycle.add('timers', () => api.live.close());
  lifecycle.add('timers', () => api.eventFeed.close());
  lifecycle.add('timers', () => api.tenancy.close());
  lifecycle.add('timers', () => api.orgs.close());
  lifecycle.add('workers', () => api.collection.closeWorkers());
  lifecycle.add('queues', () => api.collection.close());
  lifecycle.add('workers', () => api.notifier.closeWorkers());
  lifecycle.add('queues', () => api.notifier.close());
  const telemetry = wireTelemetry(config, logger, { redis, keys, tsdb, timings, api });
  lifecycle.add('timers', () => telemetry.close());
  const app = await buildApp({ ...api.services, telemetry: telemetry.telemetry }, config.api);
  lifecycle.add('http', () => app.close());
  // Closed with HTTP: what its connections hold is pushed before the writer flushes ('flush' stage).
  const graphite = createGraphite(config, logger, {
    ingest: api.services.ingest,
    tsdb,
    registry: telemetry.telemetry.registry,
  });
  if (graphite) lifecycle.add('http', () => graphite.close());
  if (options.bootstrap !== false) bootstrapWhenReady(api.tenancy, redis, config.api.adminToken, logger);
  // Waits at most REDIS_CONNECT_TIMEOUT for Redis, then carries on degraded and reconciles later.
  await api.collection.start();
  api.notifier.start();
  if (config.localAgent.enabled) startBuiltInAgent(config, logger, api, lifecycle);
  // Ticks skip while Redis is away; `/monitoring/start` may start it later even when configured off.
  if (config.selfMonitor.enabled) api.selfMonitor.start();
  const alertEvaluation = alertLoop(config, logger, { redis, keys, api }, options);
  if (alertEvaluation && config.alertEval.enabled) alertEvaluation.start();
  lifecycle.add('timers', () => alertEvaluation?.stop());
  lifecycle.add('timers', () => api.selfMonitor.stop());
  startEvents(config, logger, { redis, keys, api }, lifecycle);

  let address = '';
  return {
    config,
    app,
    redis,
    keys,
    timings,
    telemetry,
    tsdb,
    api,
    lifecycle,
    managed,
    alertEvaluation,
    graphite,
    url: () => address,
    async listen() {
      address = await app.listen({ port: config.server.port, host: config.server.host });
      await graphite?.listen();
      return address;
    },
    close: () => lifecycle.close(),
  };
}
