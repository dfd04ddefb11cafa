import type { Points } from './points.ts';

/** The last `capacity` points of one series, in a ring. */
class Ring {
  readonly ts: Float64Array;
  readonly vs: Float64Array;
  start = 0;
  size = 0;

  constructor(capacity: number) {
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
  }

  /** Inserts in timestamp order; a repeated timestamp replaces the value (last write wins). */
  add(t: number, v: number): void {
    const cap = this.ts.length;
    if (this.size > 0) {
      const newest = this.ts[(this.start + this.size - 1) % cap] as number;
      if (t < newest) {
        this.insertOlder(t, v);
        return;
      }
      if (t === newest) {
        this.vs[(this.start + this.size - 1) % cap] = v;
        return;
      }
    }
    const at = (this.start + this.size) % cap;
    this.ts[at] = t;
    this.vs[at] = v;
    if (this.size < cap) this.size++;
    else this.start = (this.start + 1) % cap;
  }

  /**
   * A point older than the newest, in place: concurrent batches of one host often arrive out of order,
   * a few points late, so the slot is found scanning back from the newest and the points after it
   * move up one (or, in a full ring, the points before it move down one and the oldest drops out). A
   * point older than every point of a full ring is not kept.
   */
  private insertOlder(t: number, v: number): void {
    const cap = this.ts.length;
    let i = this.size - 1;
    while (i >= 0 && (this.ts[(this.start + i) % cap] as number) > t) i--;
    if (i >= 0 && this.ts[(this.start + i) % cap] === t) {
      this.vs[(this.start + i) % cap] = v;
      return;
    }
    if (this.size === cap) {
      if (i < 0) return;
      for (let j = 0; j < i; j++) this.move((this.start + j + 1) % cap, (this.start + j) % cap);
      this.ts[(this.start + i) % cap] = t;
      this.vs[(this.start + i) % cap] = v;
      return;
    }
    for (let j = this.size; j > i + 1; j--) this.move((this.start + j - 1) % cap, (this.start + j) % cap);
    this.ts[(this.start + i + 1) % cap] = t;
    this.vs[(this.start + i + 1) % cap] = v;
    this.size++;
  }

  private move(from: number, to: number): void {
    this.ts[to] = this.ts[from] as number;
    this.vs[to] = this.vs[from] as number;
  }

  points(): Points {
    const ts = new Float64Array(this.size);
    const vs = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const at = (this.start + i) % this.ts.length;
      ts[i] = this.ts[at] as number;
      vs[i] = this.vs[at] as number;
    }
    return { timestamps: ts, values: vs };
  }

  newest(): { timestamp: number; value: number } | undefined {
    if (this.size === 0) return undefined;
    const at = (this.start + this.size - 1) % this.ts.length;
    return { timestamp: this.ts[at] as number, value: this.vs[at] as number };
  }
}

export interface HotTierOptions {
  /** Points kept per series. @defaultValue 60 */
  readonly pointsPerSeries: number;
  /** Series kept at most (memory bound: ~16 B × pointsPerSeries each); the rest is read from Redis. @defaultValue 200000 */
  readonly maxSeries: number;
}

/**
 * Per process: the newest points of every series it wrote or reloaded, for sub-millisecond live reads.
 * It is a cache: a series it lacks, or asks older than it holds, is read from Redis.
 */
export type Newest = { readonly timestamp: number; readonly value: number };

/** One host's rings, with a version bumped on every write so its newest-values map can be reused. */
interface HostRings {
  readonly byKey: Map<string, Ring>;
  version: number;
  newest: ReadonlyMap<string, Newest> | undefined;
  newestVersion: number;
}

export class HotTier {
  private readonly hosts = new Map<string, HostRings>();
  private series = 0;

  constructor(readonly options: HotTierOptions) {}

  private entry(org: string, host: string, create: boolean): HostRings | undefined {
    const hostKey = `${org}:${host}`;
    let entry = this.hosts.get(hostKey);
    if (!entry && create) {
      entry = { byKey: new Map(), version: 0, newest: undefined, newestVersion: -1 };
      this.hosts.set(hostKey, entry);
    }
    return entry;
  }

  private ring(org: string, host: string, seriesKey: string, create: boolean): Ring | undefined {
    const entry = this.entry(org, host, create);
    if (!entry) return undefined;
    let ring = entry.byKey.get(seriesKey);
    if (!ring && create && this.series < this.options.maxSeries) {
      ring = new Ring(this.options.pointsPerSeries);
      entry.byKey.set(seriesKey, ring);
      this.series++;
    }
    return ring;
  }

  add(org: string, host: string, seriesKey: string, timestamp: number, value: number): void {
    const ring = this.ring(org, host, seriesKey, true);
    if (!ring) return;
    ring.add(timestamp, value);
    this.bump(org, host);
  }

  private bump(org: string, host: string): void {
    const entry = this.hosts.get(`${org}:${host}`);
    if (entry) entry.version++;
  }

  /** Adds flat columns (see WriteBatch): looks each series' ring up once, not once per sample. */
  addColumns(
    org: string,
    host: string,
    seriesKeys: readonly string[],
    series: ArrayLike<number>,
    timestamps: ArrayLike<number>,
    values: ArrayLike<number>,
  ): void {
    const rings = seriesKeys.map((key) => this.ring(org, host, key, true));
    for (let i = 0; i < timestamps.length; i++) {
      rings[series[i] as number]?.add(timestamps[i] as number, values[i] as number);
    }
    this.bump(org, host);
  }

  /** The held points of a series (oldest first), or undefined when the tier does not hold it. */
  points(org: string, host: string, seriesKey: string): Points | undefined {
    return this.ring(org, host, seriesKey, false)?.points();
  }

  newest(org: string, host: string, seriesKey: string): Newest | undefined {
    return this.ring(org, host, seriesKey, false)?.newest();
  }

  /**
   * The newest point of every series the tier holds for a host (the overview's hot path). The map is
   * built once per write to the host and shared until the next one, so callers must not change it.
   */
  newestOf(org: string, host: string): ReadonlyMap<string, Newest> | undefined {
    const entry = this.hosts.get(`${org}:${host}`);
    if (!entry || entry.byKey.size === 0) return undefined;
    if (entry.newest && entry.newestVersion === entry.version) return entry.newest;
    const out = new Map<string, Newest>();
    for (const [key, ring] of entry.byKey) {
      const newest = ring.newest();
      if (newest) out.set(key, newest);
    }
    entry.newest = out;
    entry.newestVersion = entry.version;
    return out;
  }

  get seriesCount(): number {
    return this.series;
  }
}
