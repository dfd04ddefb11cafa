import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Scope } from '../contract/index.ts';
import { type AuthContext, grants, type Tenancy } from '../tenancy/index.ts';
import { PublicError } from './errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scope the route requires (`admin` implies every scope), or `public` for no token at all. */
    scope?: Scope | 'public';
    /**
     * `influx`: the token may also come as the password of HTTP Basic auth or as `?p=`, as InfluxDB
     * 1.x clients send credentials (Telegraf's `outputs.influxdb` `password`); the user name is ignored.
     */
    credentials?: 'influx';
  }
  interface FastifyRequest {
    /** Who the bearer token speaks for; set on every route with a `config.scope`. */
    auth: AuthContext | undefined;
  }
}

export interface AuthOptions {
  /** Routes under this path must declare `config.scope`, or registering them throws. @defaultValue '/api/' */
  readonly protectedPrefix?: string;
}

const BEARER = /^(?:Bearer|Token)[ \t]+(\S+)[ \t]*$/i;
const BASIC = /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i;
// One message for a missing, malformed, unknown or revoked token: it never says whether a token exists.
const UNAUTHORIZED = 'missing or invalid bearer token';

/**
 * Token authentication, one mechanism: each route names its scope in `config: { scope: 'read' }`; an
 * onRequest hook verifies `Authorization: Bearer <token>` (or `Token <token>`, as Telegraf sends),
 * answers 401 / 403, and sets `request.auth`. The org always comes from the token. Routes under
 * `protectedPrefix` without a scope fail at registration, so a forgotten check cannot ship.
 * Call before registering routes: hooks and the route check apply to routes added afterwards.
 */
export function installAuth(app: FastifyInstance, tenancy: Tenancy, options: AuthOptions = {}): void {
  const prefix = options.protectedPrefix ?? '/api/';
  app.decorateRequest('auth', undefined);
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith(prefix) && route.config?.scope === undefined) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no config.scope`);
    }
  });
  app.addHook('onRequest', async (request, reply) => {
    const scope = request.routeOptions.config.scope;
    if (scope === undefined || scope === 'public') return;
    const token = tokenOf(request);
    const auth = token === undefined ? undefined : await tenancy.authenticate(token);
    if (!auth) {
      reply.header('www-authenticate', 'Bearer realm="vitals"');
      throw new PublicError('unauthorized', UNAUTHORIZED);
    }
    if (!grants(auth.scopes, scope))
      throw new PublicError('forbidden', `this token lacks the "${scope}" scope`);
    request.auth = auth;
  });
}

/** The token a request carries: bearer, or on `credentials: 'influx'` routes Basic password or `?p=`. */
function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization ?? '';
  const bearer = BEARER.exec(header)?.[1];
  if (bearer !== undefined || request.routeOptions.config.credentials !== 'influx') return bearer;
  const basic = BASIC.exec(header)?.[1];
  if (basic !== undefined) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? undefined : decoded.slice(colon + 1) || undefined;
  }
  if (header !== '') return undefined;
  const password = (request.query as Record<string, unknown> | undefined)?.p;
  return typeof password === 'string' && password !== '' ? password : undefined;
}

/** The caller of an authenticated route (throws 401 on a route that declared no scope). */
export function authOf(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new PublicError('unauthorized', UNAUTHORIZED);
  return request.auth;
}
