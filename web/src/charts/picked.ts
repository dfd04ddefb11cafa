import { formatNumber } from '../lib/format.ts';
import { type ChartSpec, parseKey } from './specs.ts';

/** One series of a host as `GET /api/v1/hosts/:id/series` lists it. */
export interface SeriesEntry {
  readonly key: string;
  readonly name: string;
  readonly lastTimestamp: number | null;
}

/** The series of one metric name. */
export interface SeriesGroup {
  readonly name: string;
  readonly entries: readonly SeriesEntry[];
}

/** What the viewer picked: whole metrics (every label set) and single series. Kept in the URL. */
export interface Selection {
  readonly metrics: readonly string[];
  readonly series: readonly string[];
}

/** Lines one picked chart draws at most (a metric with more label sets draws its first ones). */
export const MAX_LINES = 24;

/** Series whose key contains `text` (any case), grouped by metric name, names sorted. */
export function groupSeries(entries: readonly SeriesEntry[], text: string): SeriesGroup[] {
  const needle = text.trim().toLowerCase();
  const groups = new Map<string, SeriesEntry[]>();
  for (const entry of entries) {
    if (needle && !entry.key.toLowerCase().includes(needle)) continue;
    const list = groups.get(entry.name) ?? [];
    list.push(entry);
    groups.set(entry.name, list);
  }
  return [...groups]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, list]) => ({ name, entries: list.sort((a, b) => a.key.localeCompare(b.key)) }));
}

/** `?metric=…&series=…` (each repeated) → the selection. */
export function selectionOf(query: URLSearchParams): Selection {
  return { metrics: query.getAll('metric'), series: query.getAll('series') };
}

/** `query` with `selection` in place of the one it held (other parameters, like the range, kept). */
export function withSelection(query: URLSearchParams, selection: Selection): string {
  const next = new URLSearchParams(query);
  next.delete('metric');
  next.delete('series');
  for (const m of [...new Set(selection.metrics)].sort()) next.append('metric', m);
  for (const s of [...new Set(selection.series)].sort()) next.append('series', s);
  return next.toString();
}

/** Flips one whole metric, or one series, in or out of the selection. */
export function toggle(selection: Selection, kind: 'metric' | 'series', value: string): Selection {
  const flip = (list: readonly string[]) =>
    list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
  return kind === 'metric'
    ? { ...selection, metrics: flip(selection.metrics) }
    : { ...selection, series: flip(selection.series) };
}

/** `a="x",b="y"` of the labels that tell a metric's chosen series apart (the name alone if none do). */
function lineLabel(key: string, varying: ReadonlySet<string>): string {
  const { name, labels } = parseKey(key);
  const parts = Object.entries(labels).filter(([k]) => varying.has(k));
  return parts.length === 0 ? name : parts.map(([k, v]) => `${k}=${v}`).join(' ');
}

/** A chart per picked metric: every label set of a picked metric, or the picked series of it. */
export function pickedSpecs(entries: readonly SeriesEntry[], selection: Selection): ChartSpec[] {
  const picked = new Set(selection.series);
  const whole = new Set(selection.metrics);
  return groupSeries(entries, '').flatMap((group) => {
    const keys = group.entries.map((e) => e.key).filter((k) => whole.has(group.name) || picked.has(k));
    if (keys.length === 0) return [];
    const shown = keys.slice(0, MAX_LINES);
    const values = new Map<string, Set<string>>();
    for (const key of shown)
      for (const [k, v] of Object.entries(parseKey(key).labels))
        values.set(k, (values.get(k) ?? new Set()).add(v));
    const varying = new Set([...values].filter(([, v]) => v.size > 1 || shown.length === 1).map(([k]) => k));
    const more = keys.length > shown.length ? ` (first ${shown.length} of ${keys.length})` : '';
    return [
      {
        id: `pick-${group.name}`,
        title: `${group.name}${more}`,
        format: (v: unknown) => formatNumber(v),
        lines: shown.map((key) => ({ key, label: lineLabel(key, varying) })),
      },
    ];
  });
}
