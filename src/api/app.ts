import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { installAuth } from './auth.ts';
import { installErrorHandling } from './error-handler.ts';
import { installRateLimit } from './rate-limit.ts';
import { installRouteTable } from './route-table.ts';
import { collectRoutes } from './routes/collect.ts';
import { healthRoutes } from './routes/health.ts';
import { hostRoutes } from './routes/hosts.ts';
import { ingestRoutes } from './routes/ingest.ts';
import { liveRoutes } from './routes/live.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { overviewRoutes } from './routes/overview.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { webRoutes } from './routes/web.ts';
import type { ApiServices, AppConfig } from './services.ts';
import { installValidation } from './validation.ts';

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
    bodyLimit: config.maxBodyBytes,
    genReqId: () => randomUUID(),
    requestIdHeader: 'x-request-id',
    forceCloseConnections: true,
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  installRouteTable(app);
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
  await installRateLimit(app, services.redis, services.keys, config.rateLimitPerMinute);
  tokenRoutes(app, services);
  hostRoutes(app, services);
  ingestRoutes(app, services);
  metricsRoutes(app, services);
  overviewRoutes(app, services);
  collectRoutes(app, services);
  liveRoutes(app, { live: services.live, tenancy: services.tenancy, ...services.liveStreams });
  webRoutes(app, { distDir: services.webDir });
  return app;
}
