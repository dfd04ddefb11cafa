import type { FastifyInstance } from 'fastify';
import type { Scope } from '../contract/index.ts';

/** One registered route, as the auth and outage suites walk them. */
export interface RouteEntry {
  readonly method: string;
  /** The route's pattern, e.g. `/api/v1/hosts/:id`. */
  readonly url: string;
  readonly scope: Scope | 'public' | undefined;
  readonly hidden: boolean;
  readonly match: RegExp;
}

const tables = new WeakMap<FastifyInstance, RouteEntry[]>();

function matcher(url: string): RegExp {
  const pattern = url
    .split('/')
    .map((part) =>
      part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${pattern}$`);
}

/** Records every route the app registers (after this call), so suites and the 405 answer can see them. */
export function installRouteTable(app: FastifyInstance): void {
  const table: RouteEntry[] = [];
  tables.set(app, table);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      table.push({
        method,
        url: route.url,
        scope: route.config?.scope,
        hidden: route.schema?.hide === true,
        match: matcher(route.url),
      });
    }
  });
}

/** The routes of an app built by `buildApp`. */
export function routeTable(app: FastifyInstance): readonly RouteEntry[] {
  return tables.get(app) ?? [];
}

/** Methods that other routes answer at this path (for a 405 and its Allow header). */
export function allowedMethods(app: FastifyInstance, path: string): string[] {
  const methods = routeTable(app)
    .filter((r) => !r.url.includes('*') && r.match.test(path))
    .map((r) => r.method);
  return [...new Set(methods)].sort();
}
