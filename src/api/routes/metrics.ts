import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { fromNumber } from '../../contract/index.ts';
import {
  AGGREGATE_FNS,
  type AggregateFn,
  aggregate,
  checkBucketCount,
  checkSpan,
  exportChunks,
  hotLatest,
  hotRecent,
  latest,
  orHot,
  type Points,
  range,
  recent,
} from '../../tsdb/index.ts';
import { authOf } from '../auth.ts';
import { paced } from '../export-stream.ts';
import { answerId, cacheable, classId, queryGroup, spanClass } from '../query-cache.ts';

import type { ApiServices } from '../services.ts';
import { fieldOf, toColumns, toRows } from '../shape.ts';
import type { Shares } from '../shares.ts';
import {
  boundedRange,
  HostParams,
  hostOf,
  type QuerySpans,
  seriesNeeded,
  seriesOfQuery,
  TimeRange,
  timeRange,
} from './params.ts';
import { seedMetricsAlias } from './seed-aliases.ts';

type Shape = 'rows' | 'columns';
type RecentQuery = { count?: number; metrics?: string; shape?: Shape };
type RangeQuery = { startTime?: number; endTime?: number; limit?: number; metrics?: string; shape?: Shape };

function shaped(series: ReadonlyMap<string, Points>, shape: Shape | undefined) {
  if (shape === 'columns') {
    const columns = toColumns(series);
    return { count: columns.timestamps.length, columns };
  }
  const rows = toRows(series);
  return { count: rows.length, rows };
}

/** `partial: true` on answers the hot tier gave alone while Redis was unreachable; nothing otherwise. */
function partialMark(partial: boolean): { partial?: true } {
  return partial ? { partial: true } : {};
}

const FN = Type.Union(AGGREGATE_FNS.map((f) => Type.Literal(f)));

export interface MetricsLimits {
  /** Exports running at once, per token, per org and in this process. */
  readonly exports: Shares;
  /** Deadline of one export, streaming included (VITALS_EXPORT_TIMEOUT). */
  readonly exportTimeoutMs: number;
  /** Bytes per second one export streams at most (VITALS_EXPORT_RATE). */
  readonly exportBytesPerSec: number;
  readonly spans: QuerySpans;
}

/** Per-host queries: latest, recent, range, aggregate, export. Everything per org, from the token. */
export function metricsRoutes(app: FastifyInstance, services: ApiServices, limits: MetricsLimits): void {
  const { tsdb, cache } = services;
  const read = { config: { scope: 'read' as const } };

  app.get<{ Params: { id: string }; Querystring: { metrics?: string } }>(
    '/api/v1/hosts/:id/metrics/latest',
    {
      ...read,
      schema: {
        tags: ['metrics'],
        summary: 'Newest value of every series',
        params: HostParams,
        querystring: Type.Object({ metrics: TimeRange.metrics }),
      },
    },
    async (request) => {
      const { org, host } = await hostOf(services, request);
      const series = await seriesOfQuery(services, org, host.id, request.query.metrics);
      const keys = series.value;
      const answer = await orHot(
        tsdb.ctx,
        () => latest(tsdb.ctx, org, host.id, keys),
        () => hotLatest(tsdb.ctx, org, host.id, keys),
      );
      const values = answer.value;
      const points = new Map(
        [...values].map(([k, s]) => [
          k,
          { timestamps: Float64Array.of(s.timestamp), values: Float64Array.of(s.value) },
        ]),
      );
      const metrics = toRows(points);
      return {
        host: host.id,
        ...partialMark(series.partial || answer.partial),
        count: values.size,
        // JSON has no NaN or ±Infinity: such values go out as "NaN", "+Inf", "-Inf", never as null.
        metrics: [...values].map(([key, s]) => ({
          series: key,
          field: fieldOf(key),
          timestamp: s.timestamp,
          value: fromNumber(s.value),
        })),
        rows: metrics,
      };
    },
  );

  const recentQuery = {
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    metrics: TimeRange.metrics,
  };
  const recentAnswer = async (
    request: FastifyRequest<{ Params: { id: string }; Querystring: RecentQuery }>,
  ) => {
    const { org, host } = await hostOf(services, request);
    const series = await seriesOfQuery(services, org, host.id, request.query.metrics);
    const count = request.query.count ?? 100;
    const answer = await orHot(
      tsdb.ctx,
      () => recent(tsdb.ctx, org, host.id, series.value, count),
      () => hotRecent(tsdb.ctx, org, host.id, series.value, count),
    );
    return {
      host: host.id,
      ...partialMark(series.partial || answer.partial),
      ...shaped(answer.value, request.query.shape),
    };
  };
  app.get<{ Params: { id: string }; Querystring: RecentQuery }>(
    '/api/v1/hosts/:id/metrics/recent',
    {
      ...read,
      schema: {
        tags: ['metrics'],
        summary: 'Last N points of each series',
        params: HostParams,
        querystring: Type.Object({ ...recentQuery, shape: TimeRange.shape }),
      },
    },
    recentAnswer,
  );

  const rangeLimit = Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }));
  const rangeAnswer = async (
    request: FastifyRequest<{ Params: { id: string }; Querystring: RangeQuery }>,
  ) => {
    const now = Date.now();
    // Not refused for its span: `limit` bounds the points, and windows are read only where data is.
    const { from, to } = timeRange(request.query, now);
    const { org, host } = await hostOf(services, request);
    const keys = await seriesNeeded(services, org, host.id, request.query.metrics);
    const limit = request.query.limit ?? 1000;
    const load = async () => {
      const result = await range(tsdb.ctx, org, host.id, keys, from, to, limit);
      const series = new Map([...result].map(([k, r]) => [k, r.points]));
      const truncated = [...result.values()].some((r) => r.truncated);
      return {
        host: host.id,
        startTime: from,
        endTime: to,
        truncated,
        ...shaped(series, request.query.shape),
      };
    };
    if (!cacheable(to, now)) return load();
    return cache.getOrLoadGrouped(
      queryGroup(org, host.id),
      () => answerId(['range', keys, from, to, limit, request.query.shape]),
      load,
      undefined,
      // Cheap answers are recomputed: reading a stored copy back costs about as much.
      cache.minLoadMs,
      classId(['range', keys, spanClass(from, to), limit, request.query.shape]),
    );
  };
  app.get<{ Params: { id: string }; Querystring: RangeQuery }>(
    '/api/v1/hosts/:id/metrics/range',
    {
      ...read,
      schema: {
        tags: ['metrics'],
        summary: 'Raw points in [startTime, endTime]',
        params: HostParams,
        querystring: Type.Object({ ...TimeRange, limit: rangeLimit }),
      },
    },
    rangeAnswer,
  );
  seedMetricsAlias(app, 'recent', recentQuery, recentAnswer);
  const { startTime, endTime, metrics } = TimeRange;
  seedMetricsAlias(app, 'range', { startTime, endTime, metrics, limit: rangeLimit }, rangeAnswer);

  app.get<{
    Params: { id: string };
    Querystring: {
      startTime?: number;
      endTime?: number;
      step?: number;
      fn?: AggregateFn;
      metrics?: string;
      shape?: Shape;
    };
  }>(
    '/api/v1/hosts/:id/metrics/aggregate',
    {
      ...read,
      schema: {
        tags: ['metrics'],
        summary: 'Aggregate over buckets of `step` ms (tier chosen from the step)',
        params: HostParams,
        querystring: Type.Object({
          ...TimeRange,
          step: Type.Optional(
            Type.Integer({ minimum: 1000, description: 'bucket width in ms; default: range ÷ 300' }),
          ),
          fn: Type.Optional(FN),
        }),
      },
    },
    async (request) => {
      const now = Date.now();
      const { from, to } = timeRange(request.query, now);
      const fn = request.query.fn ?? 'avg';
      const step = request.query.step ?? Math.max(1000, Math.ceil((to - from) / 300 / 1000) * 1000);
      // A step too fine for the range, or a range too long, is refused (400) before anything is read.
      checkBucketCount(from, to, step);
      checkSpan(from, to, limits.spans.aggregate);
      const { org, host } = await hostOf(services, request);
      const keys = await seriesNeeded(services, org, host.id, request.query.metrics);
      const load = async () => {
        const result = await aggregate(tsdb.ctx, org, host.id, keys, from, to, step, fn);
        return {
          host: host.id,
          fn,
          step: result.stepMs,
          tiers: result.tiers,
          approximate: result.approximate,
          ...shaped(result.series, request.query.shape),
        };
      };
      if (!cacheable(to, now)) return load();
      return cache.getOrLoadGrouped(
        queryGroup(org, host.id),
        () => answerId(['agg', keys, from, to, step, fn, request.query.shape]),
        load,
        undefined,
        // Cheap answers are recomputed: reading a stored copy back costs about as much.
        cache.minLoadMs,
        classId(['agg', keys, spanClass(from, to), step, fn, request.query.shape]),
      );
    },
  );

  app.get<{
    Params: { id: string };
    Querystring: {
      format?: 'csv' | 'influx' | 'json' | 'prometheus' | 'openmetrics';
      startTime?: number;
      endTime?: number;
    };
  }>(
    '/api/v1/hosts/:id/export',
    {
      // The stream is the answer: its deadline covers the whole transfer.
      config: { scope: 'read', deadline: { ms: limits.exportTimeoutMs, name: 'VITALS_EXPORT_TIMEOUT' } },
      schema: {
        tags: ['metrics'],
        summary: 'Stream every series of the host in a text format',
        params: HostParams,
        querystring: Type.Object({
          format: Type.Optional(
            Type.Union(['csv', 'influx', 'json', 'prometheus', 'openmetrics'].map((f) => Type.Literal(f))),
          ),
          startTime: TimeRange.startTime,
          endTime: TimeRange.endTime,
        }),
      },
    },
    async (request, reply) => {
      const { from, to } = boundedRange(request.query, Date.now(), limits.spans.export, 86_400_000);
      const { org, host } = await hostOf(services, request);
      const format = request.query.format ?? 'csv';
      // Asked before the first byte goes out: with Redis away the answer is a 503, not a cut stream.
      await seriesNeeded(services, org, host.id, undefined);
      // Held until the response closes: finished, cut by its deadline, or the client gone.
      reply.raw.once('close', limits.exports.acquire(authOf(request)));
      const chunks = exportChunks(tsdb.ctx, { format, org, hosts: [host.id], from, to });
      const types = {
        csv: 'text/csv',
        influx: 'text/plain',
        json: 'application/x-ndjson',
        prometheus: 'text/plain; version=0.0.4',
        openmetrics: 'application/openmetrics-text; version=1.0.0',
      };
      reply.type(`${types[format]}; charset=utf-8`);
      reply.header(
        'content-disposition',
        `attachment; filename="${host.id}.${format === 'json' ? 'ndjson' : format === 'csv' ? 'csv' : 'txt'}"`,
      );
      // Streamed a few windows at a time, paced: a 30-day export never sits in memory whole.
      return reply.send(Readable.from(paced(chunks, limits.exportBytesPerSec)));
    },
  );
}
