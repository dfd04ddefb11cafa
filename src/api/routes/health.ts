import type { FastifyInstance } from 'fastify';
import type { HealthRegistry } from '../../monitor/index.ts';

export interface HealthRouteDeps {
  readonly health: HealthRegistry;
  /** False once shutdown has begun, so load balancers stop sending traffic before the listener closes. */
  readonly isReady: () => boolean;
}

export function healthRoutes(app: FastifyInstance, deps: HealthRouteDeps): void {
  app.get('/livez', async (_req, reply) => reply.send({ status: 'pass' }));
  app.get('/readyz', async (_req, reply) =>
    deps.isReady() ? reply.send({ status: 'pass' }) : reply.status(503).send({ status: 'fail' }),
  );
  app.get('/health', async (_req, reply) => {
    const report = await deps.health.report();
    return reply
      .status(report.status === 'fail' ? 503 : 200)
      .header('cache-control', 'no-store')
      .type('application/health+json')
      .send(JSON.stringify(report));
  });
}
