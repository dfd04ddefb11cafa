import { Cursor } from './formats/cursor.ts';
import { parseLabelSet } from './formats/openmetrics-labels.ts';
import { sortedLabels } from './formats/sample.ts';

/** Metric names: `cpu.usage`, `net.rx_bps`, `disk.used_pct`… (dots group, as in DESIGN §2). */
export const METRIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_.]{0,199}$/;
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,99}$/;
/** Org and host ids end up inside Redis hash tags `{org:host}`, so they exclude braces and colons. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export type Labels = Readonly<Record<string, string>>;

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * The canonical text of one series within a host: `name` or `name{a="x",b="y"}` with labels sorted by
 * name and values escaped as in the Prometheus text format. Equal series always give equal keys.
 */
export function seriesKey(name: string, labels: Labels = {}): string {
  const entries = sortedLabels(labels);
  if (entries.length === 0) return name;
  return `${name}{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

/** The inverse of `seriesKey`. */
export function parseSeriesKey(key: string): { name: string; labels: Record<string, string> } {
  const brace = key.indexOf('{');
  if (brace < 0) return { name: key, labels: {} };
  const cursor = new Cursor(key);
  cursor.pos = brace;
  return { name: key.slice(0, brace), labels: parseLabelSet(cursor) };
}
