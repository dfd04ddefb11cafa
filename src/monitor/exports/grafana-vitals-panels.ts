import { type PanelSpec, RATE } from './panel-spec.ts';

/** Panels of the Vitals processes themselves (every process scraped, whatever Redis is chosen). */
export const VITALS_PANELS: readonly PanelSpec[] = [
  {
    title: 'Vitals HTTP p99 by route',
    type: 'timeseries',
    width: 12,
    height: 8,
    unit: 's',
    queries: [
      {
        expr: `histogram_quantile(0.99, sum by (le, route) (rate(vitals_http_request_duration_seconds_bucket[${RATE}])))`,
        legend: '{{route}}',
      },
    ],
  },
  {
    title: 'Vitals HTTP requests per second',
    type: 'timeseries',
    width: 12,
    height: 8,
    unit: 'reqps',
    queries: [
      {
        expr: `sum by (status_code) (rate(vitals_http_request_duration_seconds_count[${RATE}]))`,
        legend: '{{status_code}}',
      },
    ],
  },
  {
    title: 'Ingest samples per second',
    type: 'timeseries',
    width: 12,
    height: 8,
    unit: 'ops',
    queries: [
      { expr: `sum(rate(vitals_ingest_samples_total[${RATE}]))`, legend: 'accepted' },
      {
        expr: `sum by (reason) (rate(vitals_ingest_rejected_total[${RATE}]))`,
        legend: 'rejected: {{reason}}',
      },
    ],
  },
  {
    title: 'Collection queue jobs',
    type: 'timeseries',
    width: 12,
    height: 8,
    queries: [{ expr: 'sum by (state) (vitals_queue_jobs)', legend: '{{state}}' }],
  },
  {
    title: 'Collection wait and processing time (p95)',
    type: 'timeseries',
    width: 12,
    height: 8,
    unit: 's',
    queries: [
      { expr: 'max(vitals_queue_wait_seconds{quantile="0.95"})', legend: 'wait' },
      { expr: 'max(vitals_queue_processing_seconds{quantile="0.95"})', legend: 'processing' },
    ],
  },
  {
    title: 'Collection failure ratio',
    type: 'timeseries',
    width: 12,
    height: 8,
    unit: 'percentunit',
    levels: { warn: 0.05, fail: 0.2 },
    queries: [{ expr: 'max(vitals_queue_failure_ratio)', legend: 'failed' }],
  },
  {
    title: 'Writer flush p99',
    type: 'timeseries',
    width: 12,
    height: 8,
    unit: 's',
    queries: [
      {
        expr: `histogram_quantile(0.99, sum by (le, instance) (rate(vitals_writer_flush_duration_seconds_bucket[${RATE}])))`,
        legend: 'flush p99 {{instance}}',
      },
    ],
  },
  {
    title: 'Spool bytes',
    type: 'timeseries',
    width: 12,
    height: 8,
    unit: 'bytes',
    description: 'Bytes in the disk spool: above 0 only while Redis is (or was just) unreachable.',
    queries: [{ expr: 'vitals_spool_bytes', legend: '{{instance}}' }],
  },
  {
    title: 'Event loop lag p99',
    type: 'timeseries',
    width: 12,
    height: 8,
    unit: 's',
    queries: [{ expr: 'nodejs_eventloop_lag_p99_seconds', legend: '{{instance}}' }],
  },
  {
    title: 'Vitals process memory',
    type: 'timeseries',
    width: 12,
    height: 8,
    unit: 'bytes',
    queries: [
      { expr: 'process_resident_memory_bytes', legend: 'rss {{instance}}' },
      { expr: 'nodejs_heap_size_used_bytes', legend: 'heap {{instance}}' },
    ],
  },
];
