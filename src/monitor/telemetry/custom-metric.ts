import type { Metric, MetricType, MetricValue, Registry } from 'prom-client';

/** One sample of a metric read at scrape time: `suffix` (`_bucket`, `_sum`…) is appended to the name. */
export interface ScrapedValue {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  readonly suffix?: string;
}

export interface ScrapedMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary';
  /** Reads the values at scrape time (never throws: a source that cannot answer gives none). */
  readonly read: () => ScrapedValue[] | Promise<ScrapedValue[]>;
}

/**
 * Registers a metric whose values are computed at scrape time from a source that already keeps them
 * (command histograms, stored series), instead of being pushed into prom-client per event. The
 * registry only calls `get()` (and reads `name`, `type`), so a plain object serves; prom-client's
 * types admit only its own classes, hence the one cast.
 */
export function registerScraped(registry: Registry, metric: ScrapedMetric): void {
  const adapter = {
    name: metric.name,
    help: metric.help,
    type: metric.type as unknown as MetricType,
    aggregator: 'sum' as const,
    reset: () => undefined,
    get: async () => {
      let values: ScrapedValue[] = [];
      try {
        values = await metric.read();
      } catch {
        // A scrape never fails because one source is away; its figures are just absent.
      }
      return {
        name: metric.name,
        help: metric.help,
        type: metric.type as unknown as MetricType,
        aggregator: 'sum' as const,
        values: values.map((v): MetricValue<string> & { metricName?: string } => ({
          labels: v.labels,
          value: v.value,
          ...(v.suffix ? { metricName: `${metric.name}${v.suffix}` } : {}),
        })),
      };
    },
  };
  registry.registerMetric(adapter as unknown as Metric);
}
