import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { parseSeriesKey } from '../../contract/index.ts';
import { hotLatest, latest, orHot } from '../../tsdb/index.ts';
import type { ApiServices } from '../services.ts';
import { HostParams, hostOf, seriesOfQuery } from './params.ts';

/** Series one answer lists at most; as many as a host may have by default (VITALS_MAX_SERIES_PER_HOST). */
export const SERIES_PAGE_MAX = 10_000;

type SeriesQuery = { match?: string; limit?: number; after?: string };

export interface SeriesPage {
  readonly keys: string[];
  /** Series matching, on every page. */
  readonly total: number;
  /** The last key of this page when more follow: pass it as `after` for the next. */
  readonly next?: string;
}

/** One page of sorted `keys`: those containing `match` (any case), after the key `after`, at most `limit`. */
export function seriesPage(keys: readonly string[], query: SeriesQuery): SeriesPage {
  const match = query.match?.toLowerCase() ?? '';
  const matching = match ? keys.filter((k) => k.toLowerCase().includes(match)) : keys;
  const after = query.after;
  const start = after === undefined ? 0 : matching.findIndex((k) => k > after);
  const rest = start < 0 ? [] : matching.slice(start);
  const limit = query.limit ?? 1000;
  const page = rest.slice(0, limit);
  const last = page[page.length - 1];
  return {
    keys: page,
    total: matching.length,
    ...(rest.length > limit && last !== undefined && { next: last }),
  };
}

/** `GET /api/v1/hosts/:id/series`: what a host has stored, for pickers and scripts. */
export function seriesRoutes(app: FastifyInstance, services: ApiServices): void {
  const { tsdb } = services;
  app.get<{ Params: { id: string }; Querystring: SeriesQuery }>(
    '/api/v1/hosts/:id/series',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['metrics'],
        summary: 'The series of a host, sorted by key, with the time of each one’s newest sample',
        params: HostParams,
        querystring: Type.Object({
          match: Type.Optional(
            Type.String({ maxLength: 200, description: 'only keys containing this text (any case)' }),
          ),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: SERIES_PAGE_MAX, default: 1000 })),
          after: Type.Optional(
            Type.String({ maxLength: 4096, description: 'the `next` of the previous page: keys after it' }),
          ),
        }),
      },
    },
    async (request) => {
      const { org, host } = await hostOf(services, request);
      const all = await seriesOfQuery(services, org, host.id, undefined);
      const page = seriesPage(all.value, request.query);
      const held = () => hotLatest(tsdb.ctx, org, host.id, page.keys);
      // While Redis is away the list came from the hot tier: so do the newest times, without waiting again.
      const newest = all.partial
        ? { value: held(), partial: true }
        : await orHot(tsdb.ctx, () => latest(tsdb.ctx, org, host.id, page.keys), held);
      return {
        host: host.id,
        ...((all.partial || newest.partial) && { partial: true }),
        total: page.total,
        count: page.keys.length,
        series: page.keys.map((key) => ({
          key,
          name: parseSeriesKey(key).name,
          lastTimestamp: newest.value.get(key)?.timestamp ?? null,
        })),
        ...(page.next !== undefined && { next: page.next }),
      };
    },
  );
}
