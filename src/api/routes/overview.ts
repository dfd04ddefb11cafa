import type { FastifyInstance } from 'fastify';
import { overviewNamespace } from '../../cache/index.ts';
import {
  formatExposition,
  fromNumber,
  parseSeriesKey,
  type Sample,
  type SampleValue,
} from '../../contract/index.ts';
import { hotLatestMany, latestMany, orHot } from '../../tsdb/index.ts';
import { authOf } from '../auth.ts';
import type { ApiServices, HostSummary } from '../services.ts';
import { fieldOf } from '../shape.ts';
import { hostPercents } from './overview-percents.ts';
import { withSeedAlias } from './seed-aliases.ts';

export type HostStatus = 'up' | 'stale' | 'down';

/**
 * Up, stale or down from the age of the newest sample. Push agents report every few seconds: up
 * within 30 s, stale within 5 min. Pulled hosts report once per `metricsInterval`: up within two
 * intervals, stale within four.
 */
export function hostStatus(host: HostSummary, lastSeen: number | undefined, now: number): HostStatus {
  if (lastSeen === undefined) return 'down';
  const age = now - lastSeen;
  const every = host.collector === 'push' ? 10_000 : host.metricsInterval * 1000;
  if (age <= Math.max(30_000, 2 * every)) return 'up';
  if (age <= Math.max(300_000, 4 * every)) return 'stale';
  return 'down';
}

export interface OverviewHost {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly collector: string;
  readonly thresholds: HostSummary['thresholds'];
  readonly status: HostStatus;
  readonly lastSeen: number | null;
  /**
   * Newest value per field (`cpu`, `memory`, `disk`… or series key); `cpu`, `memory` and `disk` derived
   * from other names where the host has them (src/contract/derive.ts).
   */
  readonly latest: Record<string, SampleValue>;
}

export interface Overview {
  readonly hosts: OverviewHost[];
  readonly generatedAt: number;
  /** Set while Redis is unreachable: newest values only from this process' hot tier. */
  readonly partial?: true;
}

/** The newest sample of every series of these hosts: from Redis, or the hot tier alone while it is away. */
function newestOf(services: ApiServices, org: string, hosts: readonly string[]) {
  const { ctx } = services.tsdb;
  return orHot(
    ctx,
    () => latestMany(ctx, org, hosts),
    () => hotLatestMany(ctx, org, hosts),
  );
}

async function buildOverview(services: ApiServices, org: string): Promise<Overview> {
  const hosts = await services.hosts.list(org);
  const answer = await newestOf(
    services,
    org,
    hosts.map((h) => h.id),
  );
  const values = answer.value;
  const percents = await hostPercents(services, org, values, answer.partial);
  const now = Date.now();
  const out = hosts.map((host): OverviewHost => {
    const series = values.get(host.id);
    let lastSeen: number | undefined;
    const latest: Record<string, SampleValue> = {};
    for (const [key, sample] of series ?? []) {
      latest[fieldOf(key)] = fromNumber(sample.value);
      lastSeen = Math.max(lastSeen ?? 0, sample.timestamp);
    }
    // Hosts without Vitals' own names (node_exporter, Telegraf, Redis) are judged by derived figures.
    for (const [field, v] of Object.entries(percents.get(host.id) ?? {})) latest[field] ??= v;
    const { id, name, labels, collector, thresholds } = host;
    return {
      id,
      name,
      labels,
      collector,
      thresholds,
      status: hostStatus(host, lastSeen, now),
      lastSeen: lastSeen ?? null,
      latest,
    };
  });
  return { hosts: out, generatedAt: now, ...(answer.partial && { partial: true as const }) };
}

/**
 * Series whose newest sample is older than this are left out of federation: Prometheus refuses samples
 * older than its head ("too old") and counts each as an error, and its own staleness marks such series
 * after 5 minutes anyway.
 */
export const FEDERATE_MAX_AGE_MS = 5 * 60_000;

/** The overview (every host with status and newest values) and the Prometheus federation endpoint. */
export function overviewRoutes(app: FastifyInstance, services: ApiServices): void {
  const { cache } = services;
  for (const url of withSeedAlias('/api/v1/overview')) {
    app.get(
      url,
      {
        config: { scope: 'read' },
        schema: { tags: ['metrics'], summary: 'Every host: status, last seen, newest values' },
      },
      async (request) => {
        const org = authOf(request).org;
        // Cached for VITALS_CACHE_TTL and dropped whenever new data lands for the org; a partial
        // overview (Redis away) is never cached.
        const cached = await cache.get<Overview>(overviewNamespace(org), 'all');
        if (cached) return cached;
        const overview = await buildOverview(services, org);
        if (!overview.partial) await cache.set(overviewNamespace(org), 'all', overview);
        return overview;
      },
    );
  }

  app.get(
    '/api/v1/metrics/federate',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['metrics'],
        summary: 'Newest value of every series updated in the last 5 minutes, Prometheus text format',
      },
    },
    async (request, reply) => {
      const org = authOf(request).org;
      const hosts = await services.hosts.list(org);
      const { value: values, partial } = await newestOf(
        services,
        org,
        hosts.map((h) => h.id),
      );
      const samples: Sample[] = [];
      const oldest = Date.now() - FEDERATE_MAX_AGE_MS;
      for (const [host, series] of values) {
        for (const [key, s] of series) {
          if (s.timestamp < oldest) continue;
          const { name, labels } = parseSeriesKey(key);
          samples.push({ name, labels: { ...labels, host }, timestamp: s.timestamp, value: s.value });
        }
      }
      // The exposition format wants a metric's samples together.
      samples.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      // The text format has no place for it: a header says the answer holds only the hot tier's values.
      if (partial) reply.header('x-vitals-partial', 'true');
      return reply
        .type('text/plain; version=0.0.4; charset=utf-8')
        .send(formatExposition(samples, { flavor: 'prometheus', withTimestamps: true }));
    },
  );
}
