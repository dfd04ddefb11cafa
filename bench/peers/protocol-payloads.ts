/**
 * The synthetic fleet of `bench/dataset.ts` in the other wire formats Vitals and VictoriaMetrics both
 * take: Prometheus remote_write (protobuf + snappy), Graphite plaintext, and OTLP/HTTP (Vitals only:
 * VictoriaMetrics 1.79 has no OTLP). Bodies carry the same samples as the line-protocol bodies of
 * `payloads.ts`: one host's `snapshotsPerBody` snapshots per body, hosts in turn as time advances.
 *
 * Metric names are given as Prometheus spells them (`cpu.core.usage` → `cpu_core_usage`), so that every
 * system stores the same names; the host is the `instance` label (remote_write), the resource's
 * `host.name` (OTLP) or the path's host segment (Graphite).
 */
import { encodeRemoteWrite } from '../../src/ingest/push-prom-remote.ts';
import { hostColumns } from '../dataset.ts';
import { type FleetOptions, inTurn } from './payloads.ts';

/** One host's series over one body's snapshots. */
export interface SeriesBody {
  readonly host: string;
  readonly series: readonly {
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly points: readonly (readonly [number, number])[];
  }[];
  readonly samples: number;
}

/** A request body in one format and the samples it carries. */
export interface EncodedBody {
  readonly data: Uint8Array | string;
  readonly samples: number;
}

export const promName = (name: string): string => name.replace(/\./g, '_');

/** The fleet as per-host, per-body series (finite values only, as in every other payload). */
export function fleetSeriesBodies(options: FleetOptions): SeriesBody[] {
  return inTurn(Array.from({ length: options.hosts }, (_, h) => hostSeriesBodies(options, h)));
}

function hostSeriesBodies(options: FleetOptions, h: number): SeriesBody[] {
  const cols = hostColumns(
    { hosts: options.hosts, start: options.start, end: options.end, seed: options.seed },
    h,
  );
  const parsed = cols.series.map((s) => datasetKey(s.name));
  const cursors = cols.series.map(() => 0);
  const out: SeriesBody[] = [];
  for (let i = 0; i < cols.timestamps.length; i += options.snapshotsPerBody) {
    const end = Math.min(cols.timestamps.length, i + options.snapshotsPerBody);
    let samples = 0;
    const series = cols.series.flatMap((column, s) => {
      const points: [number, number][] = [];
      for (let t = i; t < end; t++) {
        if (column.present[t] !== 1) continue;
        const v = column.values[cursors[s] ?? 0] as number;
        cursors[s] = (cursors[s] ?? 0) + 1;
        if (Number.isFinite(v)) points.push([cols.timestamps[t] as number, v]);
      }
      samples += points.length;
      const { name, labels } = parsed[s] as ReturnType<typeof datasetKey>;
      return points.length > 0 ? [{ name: promName(name), labels, points }] : [];
    });
    out.push({ host: cols.host, series, samples });
  }
  return out;
}

/** A data set key, `cpu.core.usage{core=0}` (label values unquoted, as the data set writes them). */
function datasetKey(key: string): { name: string; labels: Record<string, string> } {
  const brace = key.indexOf('{');
  if (brace < 0) return { name: key, labels: {} };
  const labels: Record<string, string> = {};
  for (const pair of key.slice(brace + 1, -1).split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) labels[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"|"$/g, '');
  }
  return { name: key.slice(0, brace), labels };
}

/** A remote-write 1.0 body (WriteRequest, snappy block format); the host as `instance`. */
export function remoteWriteBody(body: SeriesBody): EncodedBody {
  const series = body.series.map((s) => ({
    labels: {
      ...Object.fromEntries(Object.entries(s.labels).filter(([, v]) => v !== '')),
      __name__: s.name,
      instance: body.host,
    },
    samples: s.points,
  }));
  return { data: encodeRemoteWrite(series), samples: body.samples };
}

/** Graphite plaintext lines `<host>.<name>[;tag=v…] <value> <seconds>` (Graphite 1.1 tags for labels). */
export function graphiteBody(body: SeriesBody, pathOf: (host: string, name: string) => string): EncodedBody {
  const lines: string[] = [];
  for (const s of body.series) {
    const tags = Object.entries(s.labels)
      .filter(([, v]) => v !== '')
      .map(([k, v]) => `;${k}=${v}`)
      .join('');
    const path = `${pathOf(body.host, s.name)}${tags}`;
    for (const [t, v] of s.points) lines.push(`${path} ${v} ${t / 1000}\n`);
  }
  return { data: lines.join(''), samples: body.samples };
}
