import type { Registry } from 'prom-client';
import type { Config, Logger } from '../config/index.ts';
import { GRAPHITE_REASONS } from '../ingest/graphite.ts';
import { GraphiteListener } from '../ingest/graphite-listener.ts';
import type { IngestService } from '../ingest/index.ts';
import { registerScraped } from '../monitor/telemetry/custom-metric.ts';
import type { Tsdb } from '../tsdb/index.ts';

/**
 * The Graphite plaintext listener when VITALS_GRAPHITE_PORT is set (undefined otherwise), its figures
 * registered on `/metrics`. It listens once `listen()` is called (with the HTTP server).
 */
export function createGraphite(
  config: Config,
  logger: Logger,
  parts: { ingest: IngestService; tsdb: Tsdb; registry: Registry },
): GraphiteListener | undefined {
  const settings = config.graphite;
  if (settings.port === 0) return undefined;
  const listener = new GraphiteListener({
    port: settings.port,
    host: settings.host,
    org: settings.org,
    mapping: { hostSegment: settings.hostSegment },
    maxLineBytes: settings.maxLineBytes,
    limits: config.api,
    ingest: parts.ingest,
    timeBounds: (now) => parts.tsdb.writer.timeBounds(now),
    logger: logger.child({ component: 'graphite' }),
  });
  registerGraphiteMetrics(parts.registry, listener);
  return listener;
}

/** `vitals_graphite_*` on `/metrics`, read from the listener's counters at scrape time. */
export function registerGraphiteMetrics(registry: Registry, listener: GraphiteListener): void {
  registerScraped(registry, {
    name: 'vitals_graphite_lines_total',
    help: 'Graphite plaintext lines by outcome: stored, refused (any reason), nan (dropped as carbon does), dropped (not storable at shutdown).',
    type: 'counter',
    read: () => {
      const s = listener.stats();
      const refused = Object.values(s.refused).reduce((a, b) => a + b, 0);
      return [
        { labels: { outcome: 'stored' }, value: s.stored },
        { labels: { outcome: 'refused' }, value: refused },
        { labels: { outcome: 'nan' }, value: s.nan },
        { labels: { outcome: 'dropped' }, value: s.dropped },
      ];
    },
  });
  registerScraped(registry, {
    name: 'vitals_graphite_refused_lines_total',
    help: 'Graphite plaintext lines refused, by reason (format, value, timestamp, host, name, tags, limit, too_long, refused).',
    type: 'counter',
    read: () => {
      const { refused } = listener.stats();
      return GRAPHITE_REASONS.map((reason) => ({ labels: { reason }, value: refused[reason] }));
    },
  });
  registerScraped(registry, {
    name: 'vitals_graphite_connections',
    help: 'Graphite plaintext connections open now.',
    type: 'gauge',
    read: () => [{ labels: {}, value: listener.stats().connections }],
  });
}
