import type { FastifyInstance } from 'fastify';
import { PublicError } from './errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route's own request deadline (exports: VITALS_EXPORT_TIMEOUT), instead of the app's. */
    deadline?: Deadline;
  }
}

/** A deadline in ms, and the setting it comes from (named in the 503). */
export interface Deadline {
  readonly ms: number;
  readonly name: string;
}

/**
 * The request deadline: from its arrival, a request has `fallback.ms` (or its route's `deadline`) to be
 * answered. Past it, a request not yet answered gets 503 with Retry-After (its handler runs on, its
 * late answer is dropped); a response still streaming is cut off. A hijacked response (a live stream)
 * is its own master and is left alone.
 *
 * Not Fastify's `handlerTimeout`: on a real socket (not under `inject`) it stops its timer once a
 * request's body has been read (the request's `close` event), so a POST could wait for ever.
 */
export function installDeadline(app: FastifyInstance, fallback: Deadline): void {
  app.addHook('onRequest', async (request, reply) => {
    const { ms, name } = request.routeOptions.config?.deadline ?? fallback;
    const timer = setTimeout(() => {
      if (reply.sent) return; // answered in full, or hijacked
      if (reply.raw.headersSent) {
        reply.raw.destroy();
        return;
      }
      reply.send(
        new PublicError(
          'unavailable',
          `no answer within the request deadline of ${ms} ms (${name}); retry later`,
          {
            retryAfterSec: 5,
          },
        ),
      );
    }, ms);
    timer.unref();
    reply.raw.once('close', () => clearTimeout(timer));
  });
}
