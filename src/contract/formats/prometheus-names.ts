/**
 * Vitals metric names ↔ Prometheus metric names.
 *
 * Vitals names use dots (`cpu.usage`), which Prometheus names cannot hold. Replacing `.` with `_` would not
 * be reversible (`net.rx_bps` and `net_rx.bps` would collide), so a dot becomes a colon: `cpu.usage` ↔
 * `cpu:usage`. Colons are legal in Prometheus names (by convention reserved for recording rules, which is
 * the price). The mapping is a bijection between Prometheus names and Vitals names made of
 * `[A-Za-z0-9_.]` that do not start with a digit; a scraped recording-rule name `job:up:sum` is therefore
 * stored as `job.up.sum` and exported back unchanged. Label names are the same in both worlds.
 */
import { FormatError } from './sample.ts';

const PROMETHEUS_METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const EXPORTABLE_VITALS_NAME = /^[a-zA-Z_.][a-zA-Z0-9_.]*$/;
export const PROMETHEUS_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function isPrometheusMetricName(name: string): boolean {
  return PROMETHEUS_METRIC_NAME.test(name);
}

export function vitalsNameFromPrometheus(name: string): string {
  return name.replaceAll(':', '.');
}

/** Throws a `FormatError` for names outside the bijection (a colon, a dash, a leading digit…). */
export function prometheusNameFromVitals(name: string): string {
  if (!EXPORTABLE_VITALS_NAME.test(name)) {
    throw new FormatError(`metric name ${JSON.stringify(name)} cannot be written as a Prometheus name`);
  }
  return name.replaceAll('.', ':');
}

export function assertPrometheusLabelName(name: string): void {
  if (!PROMETHEUS_LABEL_NAME.test(name)) {
    throw new FormatError(`label name ${JSON.stringify(name)} is not a valid Prometheus label name`);
  }
}
