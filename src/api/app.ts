import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from '../config/index.ts';
import type { HealthRegistry } from '../monitor/index.ts';
import { installErrorHandling } from './error-handler.ts';
import { healthRoutes } from './routes/health.ts';

export interface AppDeps {
  readonly logger: Logger;
  readonly health: HealthRegistry;
  readonly isReady: () => boolean;
  readonly version?: string;
}

export interface AppOptions {
  /** Largest body, after gzip decompression. @defaultValue 10 MiB */
  readonly bodyLimitBytes?: number;
}

/**
 * Builds the HTTP app without listening: the entry point listens, tests use `app.inject()`. OpenAPI
 * (`/docs`, `/docs/json`) is generated from the route schemas, so it is registered before any route.
 */
export async function buildApp(deps: AppDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is Fastify's logger; the cast only widens pino's generic parameters.
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Per-request info logs would dominate the log at agent push rates; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes ?? 10 * 1024 * 1024,
    genReqId: () => randomUUID(),
    requestIdHeader: 'x-request-id',
    forceCloseConnections: true,
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  installErrorHandling(app);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Vitals API',
        version: deps.version ?? '0',
        description: 'Self-hosted monitoring for servers and Redis',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  healthRoutes(app, deps);
  return app;
}
