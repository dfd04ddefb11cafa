import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { checkSeriesKey, type IngestLimits, IngestRejectedError } from '../../ingest/index.ts';
import {
  checkSpan,
  hotSeries,
  type MaybePartial,
  orHot,
  type SpanLimit,
  type Tier,
} from '../../tsdb/index.ts';
import { authOf } from '../auth.ts';
import { PublicError } from '../errors.ts';
import type { ApiServices } from '../services.ts';
import { keyOfField } from '../shape.ts';

export const HostParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

export const TimeRange = {
  startTime: Type.Optional(
    Type.Integer({ minimum: 0, description: 'ms since epoch; default: endTime − 1 h' }),
  ),
  endTime: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since epoch; default: now' })),
  metrics: Type.Optional(
    Type.String({
      description:
        'comma-separated snapshot fields (cpu, memory, disk, load1…) or series keys; default: every series',
    }),
  ),
  shape: Type.Optional(
    Type.Union([Type.Literal('rows'), Type.Literal('columns')], { description: 'default rows' }),
  ),
};

/** Query parsing is lenient about names but never about their syntax. */
const NAME_LIMITS: IngestLimits = {
  maxSamplesPerRequest: Number.MAX_SAFE_INTEGER,
  maxLabels: 64,
  maxLabelLength: 4096,
};

/** [from, to] from the query, with defaults; 400 naming the parameter when they are inverted. */
export function timeRange(
  query: { startTime?: number; endTime?: number },
  now: number,
  defaultSpanMs = 3_600_000,
) {
  const to = query.endTime ?? now;
  const from = query.startTime ?? Math.max(0, to - defaultSpanMs);
  if (from > to)
    throw new PublicError('bad_request', `startTime (${from}) must not be after endTime (${to})`);
  return { from, to };
}

/** The bounds on `endTime − startTime` of each kind of request that reads a time range. */
export interface QuerySpans {
  /** Exports read raw samples, a few windows at a time. */
  readonly export: readonly SpanLimit[];
  /** Aggregates read rollups too, as far back as the longest-kept tier. */
  readonly aggregate: readonly SpanLimit[];
}

const RETENTION_VARS: Record<Tier, string> = {
  raw: 'VITALS_RETENTION_RAW',
  '1m': 'VITALS_RETENTION_1M',
  '1h': 'VITALS_RETENTION_1H',
};

export function querySpans(
  config: { readonly maxExportSpanMs: number; readonly maxQuerySpanMs: number },
  retentionMs: Readonly<Record<Tier, number>>,
): QuerySpans {
  const retention = (tier: Tier) => ({
    maxMs: retentionMs[tier],
    name: `retention of ${tier === 'raw' ? 'raw samples' : `${tier} rollups`}, ${RETENTION_VARS[tier]}`,
  });
  const longest = (['raw', '1m', '1h'] as const).reduce((a, b) => (retentionMs[b] > retentionMs[a] ? b : a));
  const query = { maxMs: config.maxQuerySpanMs, name: 'VITALS_MAX_QUERY_SPAN' };
  return {
    export: [{ maxMs: config.maxExportSpanMs, name: 'VITALS_MAX_EXPORT_SPAN' }, retention('raw')],
    aggregate: [query, retention(longest)],
  };
}

/** `timeRange`, refused with a 400 naming the bound when it spans more than `limits` allow. */
export function boundedRange(
  query: { startTime?: number; endTime?: number },
  now: number,
  limits: readonly SpanLimit[],
  defaultSpanMs?: number,
) {
  const range = timeRange(query, now, defaultSpanMs);
  checkSpan(range.from, range.to, limits);
  return range;
}

/** Splits `metrics=` on commas outside `{…}` (series keys carry commas between their labels). */
export function splitMetrics(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '"' && list[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && c === '{') depth++;
    else if (!quoted && c === '}') depth--;
    else if (!quoted && depth === 0 && c === ',') {
      out.push(list.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(list.slice(start).trim());
  return out.filter(Boolean);
}

/**
 * The series a query asks for: the named ones (400 naming a bad one) or every series of the host —
 * while Redis is unreachable, every series the hot tier holds (marked partial).
 */
export async function seriesOfQuery(
  services: ApiServices,
  org: string,
  host: string,
  metrics: string | undefined,
): Promise<MaybePartial<string[]>> {
  const { ctx } = services.tsdb;
  if (metrics === undefined || metrics.trim() === '') {
    return orHot(
      ctx,
      async () => [...(await ctx.series.all(org, host)).values()].sort(),
      () => hotSeries(ctx, org, host),
    );
  }
  return { value: namedSeries(metrics), partial: false };
}

/** The series of a query that must read Redis anyway (ranges, aggregates): no hot-tier fallback. */
export async function seriesNeeded(
  services: ApiServices,
  org: string,
  host: string,
  metrics: string | undefined,
): Promise<string[]> {
  if (metrics === undefined || metrics.trim() === '') {
    return [...(await services.tsdb.ctx.series.all(org, host)).values()].sort();
  }
  return namedSeries(metrics);
}

function namedSeries(metrics: string): string[] {
  return splitMetrics(metrics).map((field) => {
    try {
      return checkSeriesKey(keyOfField(field), NAME_LIMITS);
    } catch (err: unknown) {
      if (err instanceof IngestRejectedError) throw new PublicError('bad_request', `metrics: ${err.message}`);
      throw err;
    }
  });
}

/** The host of `:id` in the caller's org; 404 (never 403) for a host of another org or none. */
export async function hostOf(services: ApiServices, request: FastifyRequest<{ Params: { id: string } }>) {
  const org = authOf(request).org;
  const host = await services.hosts.get(org, request.params.id);
  if (!host) throw new PublicError('not_found', `no host ${request.params.id}`);
  return { org, host };
}
