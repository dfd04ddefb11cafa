import { ValueType } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  type CollectionResult,
  type DataPoint,
  DataPointType,
  type Histogram,
  MeterProvider,
  type MetricData,
  type MetricProducer,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { Registry } from 'prom-client';

type HrTime = [number, number];
type Labels = Record<string, string | number>;
type PromValue = { labels: Labels; value: number; metricName?: string };
type PromMetric = { name: string; help: string; type: string; values: PromValue[] };

const UNITS: ReadonlyArray<readonly [string, string]> = [
  ['_seconds', 's'],
  ['_bytes', 'By'],
  ['_ratio', '1'],
];

/**
 * A Prometheus name as an OpenTelemetry instrument: `_total` dropped from counters, a unit suffix
 * (`_seconds`, `_bytes`, `_ratio`) becomes the unit, `_` becomes `.`. OpenTelemetry's own mapping back
 * to Prometheus (`.` → `_`, unit and `_total` suffixes added) gives the `/metrics` name again.
 */
export function otelName(promName: string, type: string): { name: string; unit: string } {
  let base = type === 'counter' ? promName.replace(/_total$/, '') : promName;
  let unit = '';
  for (const [suffix, u] of UNITS) {
    if (base.endsWith(suffix)) {
      base = base.slice(0, -suffix.length);
      unit = u;
      break;
    }
  }
  return { name: base.replace(/_/g, '.'), unit };
}

function hrNow(): HrTime {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}

function withoutLabel(labels: Labels, drop: string): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(labels)) if (k !== drop) out[k] = v;
  return out;
}

function histogramPoints(m: PromMetric, start: HrTime, end: HrTime): DataPoint<Histogram>[] {
  const groups = new Map<
    string,
    { attributes: Labels; le: [number, number][]; sum: number; count: number }
  >();
  for (const v of m.values) {
    const attributes = withoutLabel(v.labels, 'le');
    const key = JSON.stringify(attributes);
    let g = groups.get(key);
    if (!g) {
      g = { attributes, le: [], sum: 0, count: 0 };
      groups.set(key, g);
    }
    if (v.metricName?.endsWith('_bucket')) g.le.push([Number(v.labels.le), v.value]);
    else if (v.metricName?.endsWith('_sum')) g.sum = v.value;
    else if (v.metricName?.endsWith('_count')) g.count = v.value;
  }
  return [...groups.values()].map((g) => {
    const finite = g.le.filter(([b]) => Number.isFinite(b)).sort((a, b) => a[0] - b[0]);
    const counts = finite.map(([, c], i) => c - (finite[i - 1]?.[1] ?? 0));
    counts.push(g.count - (finite.at(-1)?.[1] ?? 0));
    const value: Histogram = {
      buckets: { boundaries: finite.map(([b]) => b), counts },
      sum: g.sum,
      count: g.count,
    };
    return { startTime: start, endTime: end, attributes: g.attributes, value };
  });
}

/** One prom-client metric as OpenTelemetry data (summaries: their quantiles as a gauge). */
function toMetricData(m: PromMetric, start: HrTime, end: HrTime): MetricData | undefined {
  const { name, unit } = otelName(m.name, m.type);
  const descriptor = { name, description: m.help, unit, valueType: ValueType.DOUBLE };
  const base = { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE };
  const plain = (values: PromValue[]) =>
    values.map((v) => ({ startTime: start, endTime: end, attributes: v.labels, value: v.value }));
  if (m.type === 'counter')
    return { ...base, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints: plain(m.values) };
  if (m.type === 'gauge') return { ...base, dataPointType: DataPointType.GAUGE, dataPoints: plain(m.values) };
  if (m.type === 'histogram')
    return { ...base, dataPointType: DataPointType.HISTOGRAM, dataPoints: histogramPoints(m, start, end) };
  if (m.type === 'summary') {
    const quantiles = m.values.filter((v) => v.labels.quantile !== undefined && !v.metricName);
    return { ...base, dataPointType: DataPointType.GAUGE, dataPoints: plain(quantiles) };
  }
  return undefined;
}

/** Feeds the OpenTelemetry reader from the prom-client registry: one set of instruments for both. */
export class RegistryProducer implements MetricProducer {
  private readonly start = hrNow();

  constructor(private readonly registry: Registry) {}

  async collect(): Promise<CollectionResult> {
    const end = hrNow();
    const metrics = (await this.registry.getMetricsAsJSON()) as unknown as PromMetric[];
    const data = metrics
      .map((m) => toMetricData(m, this.start, end))
      .filter((d): d is MetricData => d !== undefined && d.dataPoints.length > 0);
    return {
      resourceMetrics: {
        resource: resourceFromAttributes({}),
        scopeMetrics: [{ scope: { name: 'vitals' }, metrics: data }],
      },
      errors: [],
    };
  }
}

export interface OtlpOptions {
  /** Collector base URL; metrics go to `<endpoint>/v1/metrics`. */
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly intervalMs: number;
  readonly serviceInstanceId: string;
  readonly serviceVersion: string;
}

/** A running OTLP/HTTP (protobuf) push of the registry's metrics. */
export interface OtlpExport {
  /** Pushes once now. */
  flush(): Promise<void>;
  /** Pushes a last time (bounded) and stops. Safe to call twice. */
  close(): Promise<void>;
}

export function startOtlpExport(registry: Registry, options: OtlpOptions): OtlpExport {
  const exporter = new OTLPMetricExporter({
    url: `${options.endpoint.replace(/\/+$/, '')}/v1/metrics`,
    headers: { ...options.headers },
  });
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: options.intervalMs,
    exportTimeoutMillis: Math.min(30_000, options.intervalMs),
    metricProducers: [new RegistryProducer(registry)],
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': 'vitals',
      'service.version': options.serviceVersion,
      'service.instance.id': options.serviceInstanceId,
    }),
    readers: [reader],
  });
  let closing: Promise<void> | undefined;
  return {
    flush: () => provider.forceFlush(),
    close: () => {
      closing ??= provider.shutdown({ timeoutMillis: 5000 }).catch(() => undefined);
      return closing;
    },
  };
}
