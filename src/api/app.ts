import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { DEFAULT_ORG } from '../tenancy/index.ts';
import { answerBytes } from './answer-json.ts';
import { installAuth } from './auth.ts';
import { installDeadline } from './deadline.ts';
import { frameworkErrors, installErrorHandling } from './error-handler.ts';
import { installRateLimit } from './rate-limit.ts';
import { lazyChildLogger, requestIds } from './request-log.ts';
import { installRouteTable } from './route-table.ts';
import { alertChannelRoutes } from './routes/alert-channels.ts';
import { alertRuleRoutes } from './routes/alert-rules.ts';
import { alertRoutes } from './routes/alerts.ts';
import { collectRoutes } from './routes/collect.ts';
import { eventRoutes, installPushEvents } from './routes/events.ts';
import { exportRoutes } from './routes/exports.ts';
import { healthRoutes } from './routes/health.ts';
import { hostRoutes } from './routes/hosts.ts';
import { influxWriteRoutes } from './routes/influx-compat.ts';
import { ingestRoutes } from './routes/ingest.ts';
import { liveRoutes } from './routes/live.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { orgRoutes } from './routes/orgs.ts';
import { otlpMetricsRoutes } from './routes/otlp-metrics.ts';
import { overviewRoutes } from './routes/overview.ts';
import { querySpans } from './routes/params.ts';
import { promRemoteReadRoutes } from './routes/prom-remote-read.ts';
import { promRemoteWriteRoutes } from './routes/prom-remote-write.ts';
import { installHttpMetrics, prometheusRoutes } from './routes/prometheus.ts';
import { redisHealthRoutes } from './routes/redis-health.ts';
import { redisPerformanceRoutes } from './routes/redis-performance.ts';
import { seriesRoutes } from './routes/series.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { webRoutes } from './routes/web.ts';
import type { ApiServices, AppConfig } from './services.ts';
import { type ShareNames, Shares } from './shares.ts';
import { installValidation } from './validation.ts';

const LIVE_SHARES: ShareNames = {
  what: 'live streams',
  vars: {
    total: 'VITALS_LIVE_STREAMS',
    perOrg: 'VITALS_LIVE_STREAMS_PER_ORG',
    perToken: 'VITALS_LIVE_STREAMS_PER_TOKEN',
  },
};
const EXPORT_SHARES: ShareNames = {
  what: 'exports running',
  vars: { total: 'VITALS_EXPORTS', perOrg: 'VITALS_EXPORTS_PER_ORG', perToken: 'VITALS_EXPORTS_PER_TOKEN' },
};

/**
 * Socket deadlines. `requestTimeout` (Node's): the request, headers and body, must have arrived within
 * the body timeout, or Node answers 408 and closes the connection: a trickling body cannot hold a
 * connection. Node looks for such requests every `connectionsCheckingInterval`, so it is kept a
 * fraction of the timeout. It ends once the request is in, so a response that streams on (live
 * updates, exports) is not cut by it. `connectionTimeout`: a socket that moves no byte either way for
 * the idle timeout (never shorter than the request deadline) is closed: a client that stopped reading.
 * The answer's own deadline is `installDeadline`.
 */
function timeouts(config: AppConfig) {
  const body = config.bodyTimeoutMs;
  return {
    http: {
      requestTimeout: body,
      headersTimeout: body,
      connectionsCheckingInterval: Math.min(1000, Math.max(100, Math.floor(body / 10))),
    },
    requestTimeout: body,
    // A request waiting for its answer moves no byte either: it is not idle before its deadline.
    connectionTimeout: Math.max(config.idleTimeoutMs, config.requestTimeoutMs),
  };
}

/**
 * Builds the whole HTTP app without listening: every route, auth, validation, rate limit, docs and
 * health, over the services the composition root made. The entry point listens; tests use
 * `app.inject()` on the same app. OpenAPI (`/docs`, `/docs/json`) is generated from the route schemas.
 */
export async function buildApp(services: ApiServices, config: AppConfig): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is Fastify's logger; the cast only widens pino's generic parameters.
    loggerInstance: services.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Per-request info logs would dominate the log at agent push rates; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // The request's child logger is made when it first logs (most requests log nothing).
    childLoggerFactory: lazyChildLogger,
    bodyLimit: config.maxBodyBytes,
    genReqId: requestIds(),
    requestIdHeader: 'x-request-id',
    forceCloseConnections: true,
    // Path parameters are ids: host ids up to 128 characters, token and host params up to 200 in the
    // route schemas. Fastify's default (100) made hosts of 101–128 characters unreachable.
    routerOptions: { maxParamLength: 256 },
    frameworkErrors,
    ...timeouts(config),
  });
  // Past the cap Node closes a new connection at once, before reading a byte of it.
  app.server.maxConnections = config.maxConnections;
  // JSON.stringify's text as bytes, faster for the long number arrays of query answers (routes with a
  // response schema keep Fastify's compiled serializer). Error answers stay text: the dialect hooks
  // (Influx, OTLP) and the push-event recorder read them as strings. Fastify sends a Buffer as it is;
  // its types allow a string only.
  app.setReplySerializer(
    (payload, statusCode) =>
      (statusCode >= 400 ? (JSON.stringify(payload) ?? 'null') : answerBytes(payload)) as string,
  );
  // A callback hook: no promise per request.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });
  installRouteTable(app);
  if (services.telemetry) installHttpMetrics(app, services.telemetry);
  installDeadline(app, { ms: config.requestTimeoutMs, name: 'VITALS_REQUEST_TIMEOUT' });
  installErrorHandling(app);
  installValidation(app);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Vitals API',
        version: services.version ?? '0',
        description: 'Self-hosted monitoring for servers and Redis',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  healthRoutes(app, services);

  installAuth(app, services.tenancy);
  await installRateLimit(app, services.redis, services.keys, {
    perToken: config.rateLimitPerMinute,
    perOrg: config.rateLimitPerOrgPerMinute,
  });
  tokenRoutes(app, services);
  orgRoutes(app, services);
  hostRoutes(app, services);
  installPushEvents(app, services.events);
  ingestRoutes(app, services);
  // Its own plugin scope: these paths read any Content-Type as line protocol.
  await app.register(async (scope) => influxWriteRoutes(scope, services));
  // Likewise: remote_write, remote_read and OTLP read their bodies as bytes, whatever the Content-Type.
  await app.register(async (scope) => promRemoteWriteRoutes(scope, services, config));
  await app.register(async (scope) =>
    promRemoteReadRoutes(scope, services, { deadlineMs: config.requestTimeoutMs }),
  );
  await app.register(async (scope) => otlpMetricsRoutes(scope, services, config));
  metricsRoutes(app, services, {
    exports: new Shares(config.exports, EXPORT_SHARES, 10),
    exportTimeoutMs: config.exportTimeoutMs,
    exportBytesPerSec: config.exportBytesPerSec,
    spans: querySpans(config, services.tsdb.ctx.options.retentionMs),
  });
  seriesRoutes(app, services);
  overviewRoutes(app, services);
  collectRoutes(app, services);
  alertChannelRoutes(app, services);
  prometheusRoutes(app, { telemetry: services.telemetry, org: DEFAULT_ORG });
  redisPerformanceRoutes(app, services);
  redisHealthRoutes(app, services);
  alertRuleRoutes(app, services);
  alertRoutes(app, services);
  exportRoutes(app, services);
  eventRoutes(app, { log: services.events, recorder: services.events });
  liveRoutes(app, {
    events: services.events,
    live: services.live,
    tenancy: services.tenancy,
    streams: new Shares(config.liveStreams, LIVE_SHARES),
    ...services.liveStreams,
  });
  webRoutes(app, { distDir: services.webDir });
  return app;
}
