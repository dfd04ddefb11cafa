/**
 * The payloads every system of the peer benchmark is sent: Influx line protocol (Vitals, VictoriaMetrics
 * and InfluxDB take the very same bodies) and OpenMetrics text for Prometheus' `promtool` backfill.
 *
 * A captured series `name{labels}` becomes the line `name,<labels>,host=<host> value=<v> <ms>`: labels
 * with an empty value are left out (Prometheus treats them as absent; line protocol cannot carry them).
 * Values that are not finite are left out of every payload, as line protocol cannot carry them either.
 */
import { parseSeriesKey } from '../../src/contract/index.ts';
import type { Row } from '../capture/columns.ts';
import { hostColumns } from '../dataset.ts';

/** The host tag of the captured machine in every system. */
export const CAPTURE_HOST = 'node1';

const escapeMeasurement = (s: string): string => s.replace(/[\\, ]/g, (c) => `\\${c}`);
const escapeTag = (s: string): string => s.replace(/[\\,= ]/g, (c) => `\\${c}`);

/** `measurement,tag=v,…,host=<host> value=` for each captured series, computed once. */
export function linePrefixes(series: readonly string[], host = CAPTURE_HOST): string[] {
  return series.map((key) => {
    const { name, labels } = parseSeriesKey(key);
    const tags = Object.entries({ ...labels, host })
      .filter(([, v]) => v !== '')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `,${escapeTag(k)}=${escapeTag(v)}`)
      .join('');
    return `${escapeMeasurement(name)}${tags} value=`;
  });
}

/** Rows as line protocol at ms precision; returns the text and the samples it holds. */
export function rowsToLines(
  rows: readonly Row[],
  prefixes: readonly string[],
): { text: string; samples: number } {
  const parts: string[] = [];
  let samples = 0;
  for (const row of rows) {
    const ts = ` ${row.timestamp}\n`;
    row.series.forEach((s, k) => {
      const v = row.values[k] ?? Number.NaN;
      if (!Number.isFinite(v)) return;
      parts.push(`${prefixes[s]}${v}${ts}`);
      samples++;
    });
  }
  return { text: parts.join(''), samples };
}

/** Rows as OpenMetrics sample lines (seconds with ms decimals); the caller ends the file with `# EOF`. */
export function rowsToOpenMetrics(rows: readonly Row[], series: readonly string[]): string {
  const parts: string[] = [];
  for (const row of rows) {
    const ts = ` ${Math.floor(row.timestamp / 1000)}.${String(row.timestamp % 1000).padStart(3, '0')}\n`;
    row.series.forEach((s, k) => {
      const v = row.values[k] ?? Number.NaN;
      if (Number.isFinite(v)) parts.push(`${series[s]} ${v}${ts}`);
    });
  }
  return parts.join('');
}

/** A request body and the samples it carries. */
export interface Body {
  readonly text: string;
  readonly samples: number;
}

export interface FleetOptions {
  readonly hosts: number;
  readonly start: number;
  readonly end: number;
  readonly seed: number;
  /** Snapshots of one host per request body. */
  readonly snapshotsPerBody: number;
}

/**
 * The synthetic fleet of `bench/dataset.ts` as line protocol bodies, as Telegraf writes it: one line per
 * measurement and tag set with all its fields (`cpu,host=h usage=…,user=…`), one host per body, bodies
 * taking the hosts in turn as time advances.
 */
export function fleetBodies(options: FleetOptions): Body[] {
  return inTurn(Array.from({ length: options.hosts }, (_, h) => hostBodies(options, h)));
}

/** Each host's k-th body, host after host, then each one's k+1-th: the hosts take turns as time advances. */
export function inTurn<T>(perHost: readonly (readonly T[])[]): T[] {
  const bodies: T[] = [];
  for (let k = 0; perHost.some((b) => k < b.length); k++) {
    for (const b of perHost) {
      const body = b[k];
      if (body !== undefined) bodies.push(body);
    }
  }
  return bodies;
}

function hostBodies(options: FleetOptions, h: number): Body[] {
  const cols = hostColumns(
    { hosts: options.hosts, start: options.start, end: options.end, seed: options.seed },
    h,
  );
  const groups = groupSeries(cols.series.map((s) => s.name));
  const cursors = cols.series.map(() => 0);
  const out: Body[] = [];
  for (let i = 0; i < cols.timestamps.length; i += options.snapshotsPerBody) {
    const lines: string[] = [];
    let samples = 0;
    for (let t = i; t < Math.min(cols.timestamps.length, i + options.snapshotsPerBody); t++) {
      for (const group of groups) {
        const fields: string[] = [];
        for (const [s, field] of group.fields) {
          const column = cols.series[s];
          if (column?.present[t] !== 1) continue;
          fields.push(`${field}=${column.values[cursors[s] ?? 0]}`);
          cursors[s] = (cursors[s] ?? 0) + 1;
        }
        if (fields.length === 0) continue;
        lines.push(`${group.prefix},host=${cols.host} ${fields.join(',')} ${cols.timestamps[t]}`);
        samples += fields.length;
      }
    }
    out.push({ text: `${lines.join('\n')}\n`, samples });
  }
  return out;
}

/** `cpu.core.usage{core=0}` → measurement `cpu.core`, tag `core=0`, field `usage`; grouped per line. */
function groupSeries(names: readonly string[]): { prefix: string; fields: [number, string][] }[] {
  const groups = new Map<string, [number, string][]>();
  names.forEach((name, s) => {
    const brace = name.indexOf('{');
    const bare = brace < 0 ? name : name.slice(0, brace);
    const tags = brace < 0 ? '' : `,${name.slice(brace + 1, -1).replace(/[ ]/g, '\\ ')}`;
    const dot = bare.lastIndexOf('.');
    const prefix = `${escapeMeasurement(bare.slice(0, dot))}${tags}`;
    const fields = groups.get(prefix) ?? [];
    fields.push([s, bare.slice(dot + 1)]);
    groups.set(prefix, fields);
  });
  return [...groups].map(([prefix, fields]) => ({ prefix, fields }));
}
