import type { FastifyInstance } from 'fastify';
import { installAuth } from '../api/auth.ts';
import { installRateLimit } from '../api/rate-limit.ts';
import { collectRoutes } from '../api/routes/collect.ts';
import { hostRoutes } from '../api/routes/hosts.ts';
import { ingestRoutes } from '../api/routes/ingest.ts';
import { type LiveRouteDeps, liveRoutes } from '../api/routes/live.ts';
import { metricsRoutes } from '../api/routes/metrics.ts';
import { OVERVIEW_NAMESPACE, overviewRoutes } from '../api/routes/overview.ts';
import { tokenRoutes } from '../api/routes/tokens.ts';
import { webRoutes } from '../api/routes/web.ts';
import type { ApiServices, HostDirectory, HostSummary } from '../api/services.ts';
import { Cache } from '../cache/index.ts';
import { type Collection, createCollection } from '../collect/index.ts';
import type { Config, Logger } from '../config/index.ts';
import { IdempotencyStore, IngestRejectedError, IngestService } from '../ingest/index.ts';
import { createLive, type Live } from '../live/index.ts';
import { cacheCheck, type HealthRegistry, idempotencyCheck, ingestQueueCheck } from '../monitor/index.ts';
import type { CommandTimings, Keys, RedisClient } from '../redis/index.ts';
import { type Host, RedisTenancy, type Tenancy } from '../tenancy/index.ts';
import type { Tsdb } from '../tsdb/index.ts';

export interface ApiWiring {
  readonly tenancy: Tenancy;
  readonly services: ApiServices;
  readonly collection: Collection;
  readonly live: Live;
}

function summary(host: Host): HostSummary {
  const { id, name, labels, metricsInterval, thresholds } = host;
  return { id, name, labels, metricsInterval, thresholds, collector: host.collector.kind };
}

function directory(tenancy: Tenancy): HostDirectory {
  return {
    get: async (org, id) => {
      const host = await tenancy.getHost(org, id);
      return host ? summary(host) : undefined;
    },
    list: async (org) => (await tenancy.listHosts(org)).map(summary),
  };
}

export interface WireApiDeps {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly logger: Logger;
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly tsdb: Tsdb;
  readonly health: HealthRegistry;
  readonly timings: CommandTimings;
  /** The built dashboard (`web/dist`). */
  readonly webDir: string;
  /** Stream timings of `/api/v1/live` (tests shorten them). */
  readonly liveStreams?: Pick<LiveRouteDeps, 'sse' | 'recheckMs'>;
}

/** Tenancy, auth, rate limit, caches, idempotency, ingest and every API route, on the app. */
export async function wireApi(deps: WireApiDeps): Promise<ApiWiring> {
  const { app, config, redis, keys, tsdb } = deps;
  const tenancy = new RedisTenancy({
    redis,
    keys,
    logger: deps.logger.child({ component: 'tenancy' }),
    hosts: { autoRegister: config.api.autoRegisterHosts },
  });
  const live = createLive({
    redisConfig: config.redis,
    redis,
    prefix: keys.prefix,
    newest: tsdb.ctx.hot,
    logger: deps.logger,
  });
  const cache = new Cache(redis, keys.cache(config.api.cachePrefix), config.api.cacheTtlMs);
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
    registrar: {
      ensureHost: async (org, host) => {
        const result = await tenancy.ensureHost(org, host.id, { name: host.name, labels: host.labels });
        if (result === 'refused') {
          throw new IngestRejectedError(
            'bad_request',
            `unknown host ${host.id}: create it first (VITALS_AUTO_REGISTER_HOSTS is off)`,
          );
        }
      },
    },
    onWritten: (org, hosts) => {
      void cache.invalidate(OVERVIEW_NAMESPACE(org), 'all');
      live.publish(org, hosts);
    },
  });
  const services: ApiServices = { tsdb, ingest, idempotency, cache, hosts: directory(tenancy) };

  installAuth(app, tenancy);
  await installRateLimit(app, redis, keys, config.api.rateLimitPerMinute);
  tokenRoutes(app, { tenancy });
  hostRoutes(app, { tenancy });
  ingestRoutes(app, services);
  metricsRoutes(app, services);
  overviewRoutes(app, services);

  const collection = createCollection(
    {
      connection: { config: config.redis, logger: deps.logger, timings: deps.timings },
      keys,
      hosts: tenancy,
      writer: tsdb.writer,
      cache,
      logger: deps.logger,
    },
    config.collect,
  );
  collectRoutes(app, { collect: collection.control });
  tenancy.onHostChange((change) => live.hostChanged(change.org, change.host.id, change.type));
  collection.onCollection((event) => {
    if (event.status === 'ok') live.publish(event.org, [event.host]);
  });
  liveRoutes(app, { live, tenancy, ...deps.liveStreams });
  webRoutes(app, { distDir: deps.webDir });

  deps.health.register(
    'ingest:queue',
    ingestQueueCheck(() => tsdb.writer.stats()),
  );
  deps.health.register(
    'cache:hitRate',
    cacheCheck(() => cache.stats()),
  );
  deps.health.register(
    'idempotency:store',
    idempotencyCheck(
      () => idempotency.stats(),
      () => redis.status === 'ready',
    ),
  );
  return { tenancy, services, collection, live };
}

/**
 * Creates the default org and the admin token once Redis answers (at once, or on the first connect).
 * A generated token is printed to stdout once — never through the logger — and stored only hashed.
 */
export function bootstrapWhenReady(
  tenancy: Tenancy,
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
