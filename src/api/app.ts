import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from '../config/index.ts';
import type { HealthRegistry } from '../monitor/index.ts';
import { installErrorHandling } from './error-handler.ts';
import { healthRoutes } from './routes/health.ts';

export interface AppDeps {
  readonly logger: Logger;
  readonly health: HealthRegistry;
  readonly isReady: () => boolean;
}

export interface AppOptions {
  /** @defaultValue 10 MiB */
  readonly bodyLimitBytes?: number;
}

/** Builds the HTTP app without listening: the entry point listens, tests use `app.inject()`. */
export function buildApp(deps: AppDeps, options: AppOptions = {}): FastifyInstance {
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
  healthRoutes(app, deps);
  return app;
}
