import type { FastifyInstance } from 'fastify';
import {
  formatExposition,
  fromNumber,
  parseSeriesKey,
  type Sample,
  type SampleValue,
} from '../../contract/index.ts';
import { latestMany } from '../../tsdb/index.ts';
import { authOf } from '../auth.ts';
import type { ApiServices, HostSummary } from '../services.ts';
import { fieldOf } from '../shape.ts';

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
  /** Newest value per field (`cpu`, `memory`, `disk`… or series key). */
  readonly latest: Record<string, SampleValue>;
}

export const OVERVIEW_NAMESPACE = (org: string) => `${org}:overview`;

async function buildOverview(
  services: ApiServices,
  org: string,
): Promise<{ hosts: OverviewHost[]; generatedAt: number }> {
  const hosts = await services.hosts.list(org);
  const values = await latestMany(
    services.tsdb.ctx,
    org,
    hosts.map((h) => h.id),
  );
  const now = Date.now();
  const out = hosts.map((host): OverviewHost => {
    const series = values.get(host.id);
    let lastSeen: number | undefined;
    const latest: Record<string, SampleValue> = {};
    for (const [key, sample] of series ?? []) {
      latest[fieldOf(key)] = fromNumber(sample.value);
      lastSeen = Math.max(lastSeen ?? 0, sample.timestamp);
    }
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
  return { hosts: out, generatedAt: now };
}

/** The overview (every host with status and newest values) and the Prometheus federation endpoint. */
export function overviewRoutes(app: FastifyInstance, services: ApiServices): void {
  const { cache } = services;
  app.get(
    '/api/v1/overview',
    {
      config: { scope: 'read' },
      schema: { tags: ['metrics'], summary: 'Every host: status, last seen, newest values' },
    },
    async (request) => {
      const org = authOf(request).org;
      // Cached for VITALS_CACHE_TTL and dropped whenever new data lands for the org.
      return cache.getOrLoad(OVERVIEW_NAMESPACE(org), 'all', () => buildOverview(services, org));
    },
  );

  app.get(
    '/api/v1/metrics/federate',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['metrics'],
        summary: 'Newest value of every series of every host, Prometheus text format',
      },
    },
    async (request, reply) => {
      const org = authOf(request).org;
      const hosts = await services.hosts.list(org);
      const values = await latestMany(
        services.tsdb.ctx,
        org,
        hosts.map((h) => h.id),
      );
      const samples: Sample[] = [];
      for (const [host, series] of values) {
        for (const [key, s] of series) {
          const { name, labels } = parseSeriesKey(key);
          samples.push({ name, labels: { ...labels, host }, timestamp: s.timestamp, value: s.value });
        }
      }
      // The exposition format wants a metric's samples together.
      samples.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return reply
        .type('text/plain; version=0.0.4; charset=utf-8')
        .send(formatExposition(samples, { flavor: 'prometheus', withTimestamps: true }));
    },
  );
}
