/**
 * The read side of Prometheus remote read: which series of an org a query's matchers select, under
 * the names Prometheus sees, and their raw samples in [start, end].
 *
 * Label mapping: a series goes out with its stored labels, `__name__` = its metric name with every `.`
 * written `_` (`cpu.usage` → `cpu_usage`: Prometheus names hold no dot), and `instance` = its host's
 * name, or the host id when the host has no name (`__name__` and `instance` win over stored labels of
 * those names). Matchers see exactly these labels. Two series that end up with the same label set
 * (`cpu.usage` and `cpu_usage` of one host, or two hosts of one name) go out as one series, their
 * samples merged (the later host or series wins a shared timestamp).
 */
import type { PromLabel } from '../../contract/prometheus-remote.ts';
import { parseSeriesKey } from '../../contract/series.ts';
import { range } from '../../tsdb/index.ts';
import { emptyPoints, mergePoints, type Points } from '../../tsdb/points.ts';
import { PublicError } from '../errors.ts';
import type { ApiServices, HostSummary } from '../services.ts';
import { type Matcher, matchesAll } from './matchers.ts';

export interface PromReadLimits {
  /** Series one read may answer with, over all its queries. */
  readonly maxSeries: number;
  /** Samples one read may answer with, over all its queries. */
  readonly maxSamples: number;
  /** Queries in one request. */
  readonly maxQueries: number;
  /** Matchers in one query. */
  readonly maxMatchers: number;
  /** The snappy-compressed request body, in bytes. */
  readonly maxBodyBytes: number;
  /** The request once uncompressed, in bytes. */
  readonly maxRequestBytes: number;
  /** Time one read may take, from its arrival; past it the read stops with a 503. */
  readonly deadlineMs: number;
}

export const DEFAULT_PROM_READ_LIMITS: PromReadLimits = {
  maxSeries: 10_000,
  maxSamples: 5_000_000,
  maxQueries: 64,
  maxMatchers: 64,
  maxBodyBytes: 1024 * 1024,
  maxRequestBytes: 4 * 1024 * 1024,
  deadlineMs: 30_000,
};

/** The Prometheus name of a Vitals metric name: dots become underscores. */
export function promMetricName(name: string): string {
  return name.replaceAll('.', '_');
}

/** The `instance` of a host's series: its name, or its id when it has none. */
export function instanceOf(host: Pick<HostSummary, 'id' | 'name'>): string {
  return host.name !== '' && host.name !== undefined ? host.name : host.id;
}

/** The labels Prometheus sees for a stored series, as a map (matchers) and sorted (the answer). */
export function promLabels(
  host: Pick<HostSummary, 'id' | 'name'>,
  key: string,
): { map: Map<string, string>; sorted: PromLabel[] } {
  const { name, labels } = parseSeriesKey(key);
  const map = new Map<string, string>(Object.entries(labels));
  map.set('__name__', promMetricName(name));
  map.set('instance', instanceOf(host));
  const sorted = [...map]
    .filter(([, value]) => value !== '')
    .map(([n, value]) => ({ name: n, value }))
    .sort((a, b) => compareText(a.name, b.name));
  return { map, sorted };
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Prometheus' order of label sets: label by label, name then value; a prefix sorts first. */
export function compareLabels(a: readonly PromLabel[], b: readonly PromLabel[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as PromLabel;
    const y = b[i] as PromLabel;
    const byName = compareText(x.name, y.name);
    if (byName !== 0) return byName;
    const byValue = compareText(x.value, y.value);
    if (byValue !== 0) return byValue;
  }
  return a.length - b.length;
}

/** One stored series of one host. */
export interface StoredSeries {
  readonly host: string;
  readonly key: string;
}

/** A series as Prometheus sees it: its labels, and the stored series behind it (usually one). */
export interface SelectedSeries {
  readonly labels: PromLabel[];
  readonly members: StoredSeries[];
}

/** The hosts of an org and their series, read once per request and shared by its queries. */
export class OrgCatalog {
  private hosts: Promise<HostSummary[]> | undefined;
  private readonly series = new Map<string, Promise<string[]>>();

  constructor(
    private readonly services: ApiServices,
    private readonly org: string,
  ) {}

  private hostList(): Promise<HostSummary[]> {
    this.hosts ??= this.services.hosts.list(this.org);
    return this.hosts;
  }

  private seriesOf(host: string): Promise<string[]> {
    let keys = this.series.get(host);
    if (!keys) {
      keys = this.services.tsdb.ctx.series.all(this.org, host).then((all) => [...all.values()]);
      this.series.set(host, keys);
    }
    return keys;
  }

  /**
   * The series the matchers select, sorted by label set: at most `left` of them, else a 400 naming
   * `limit` (the read's limit, of which `left` remain for this query).
   */
  async select(
    matchers: readonly Matcher[],
    left: number,
    limit: number,
    deadline: Deadline,
  ): Promise<SelectedSeries[]> {
    const hosts = await this.hostList();
    // `instance` is known before any series is read: hosts it rules out are never read.
    const instance = matchers.filter((m) => m.name === 'instance');
    const candidates = hosts.filter((h) => instance.every((m) => m.test(instanceOf(h))));
    const byLabels = new Map<string, SelectedSeries>();
    for (let i = 0; i < candidates.length; i += HOST_CONCURRENCY) {
      deadline.check();
      const batch = candidates.slice(i, i + HOST_CONCURRENCY);
      const keys = await Promise.all(batch.map((h) => this.seriesOf(h.id)));
      batch.forEach((host, j) => {
        for (const key of keys[j] ?? []) {
          const { map, sorted } = promLabels(host, key);
          if (!matchesAll(matchers, map)) continue;
          const id = JSON.stringify(sorted);
          const found = byLabels.get(id);
          if (found) found.members.push({ host: host.id, key });
          else byLabels.set(id, { labels: sorted, members: [{ host: host.id, key }] });
        }
      });
      if (byLabels.size > left) throw seriesLimit(limit);
    }
    return [...byLabels.values()].sort((a, b) => compareLabels(a.labels, b.labels));
  }
}

/** Hosts whose series lists are read at once. */
const HOST_CONCURRENCY = 16;
/** Series of one host read in one pipeline. */
const SERIES_PER_READ = 256;

export function seriesLimit(max: number): PublicError {
  return new PublicError(
    'bad_request',
    `exceeded series limit (${max}): the read selects more than ${max} series; narrow the matchers or the time range`,
  );
}

export function sampleLimit(max: number): PublicError {
  return new PublicError(
    'bad_request',
    `exceeded sample limit (${max}): the read holds more than ${max} samples; narrow the matchers or the time range`,
  );
}

/** The read's deadline: `check()` throws a 503 once it has passed, or once the client has gone. */
export class Deadline {
  constructor(
    private readonly at: number,
    private readonly ms: number,
    private readonly gone: () => boolean = () => false,
  ) {}

  check(): void {
    if (this.gone()) throw new PublicError('unavailable', 'the client closed the connection');
    if (Date.now() > this.at) {
      throw new PublicError('unavailable', `the read took longer than its deadline of ${this.ms} ms; retry`, {
        retryAfterSec: 5,
      });
    }
  }
}

/** Counts samples over every query of a read, refusing past the limit. */
export class SampleBudget {
  private used = 0;
  constructor(readonly max: number) {}

  get left(): number {
    return this.max - this.used;
  }

  take(n: number): void {
    this.used += n;
    if (this.used > this.max) throw sampleLimit(this.max);
  }
}

/**
 * Raw samples in [from, to] of every selected series, in the order given. Each host's series are read
 * a few hundred at a time, from the hot tier where it reaches back far enough, else from Redis.
 */
export async function readSelected(
  services: ApiServices,
  org: string,
  selected: readonly SelectedSeries[],
  from: number,
  to: number,
  budget: SampleBudget,
  deadline: Deadline,
): Promise<Points[]> {
  const lo = Math.max(0, from);
  if (selected.length === 0 || lo > to) return selected.map(() => emptyPoints);
  const byHost = new Map<string, string[]>();
  for (const s of selected) {
    for (const m of s.members) {
      const keys = byHost.get(m.host);
      if (keys) keys.push(m.key);
      else byHost.set(m.host, [m.key]);
    }
  }
  const points = new Map<string, Points>();
  for (const [host, keys] of byHost) {
    for (let i = 0; i < keys.length; i += SERIES_PER_READ) {
      deadline.check();
      const batch = keys.slice(i, i + SERIES_PER_READ);
      // One more than the budget allows per series is enough to know it is exceeded.
      const read = await range(services.tsdb.ctx, org, host, batch, lo, to, budget.left + 1);
      for (const [key, r] of read) {
        budget.take(r.points.timestamps.length);
        points.set(`${host}\u0000${key}`, r.points);
      }
    }
  }
  return selected.map((s) =>
    s.members.reduce<Points>(
      (merged, m) => mergePoints(merged, points.get(`${m.host}\u0000${m.key}`) ?? emptyPoints),
      emptyPoints,
    ),
  );
}
