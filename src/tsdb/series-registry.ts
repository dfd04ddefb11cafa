import type { FailureKind } from '../contract/index.ts';
import { execGrouped, type Keys, type PipelineOp, type RedisClient } from '../redis/index.ts';
import { SampleRejectedError } from './errors.ts';
import { loadScript, runScript } from './lua/scripts.ts';

const seriesIdsScript = loadScript('series-ids-2.lua');

interface HostSeries {
  readonly byKey: Map<string, number>;
  readonly byId: Map<number, string>;
}

/**
 * Series key ↔ small integer id, per host, shared by every process through Redis: the host's names
 * STRING (keys in id order, one a line), or the series HASH of hosts registered before it
 * (series-ids-2.lua). Ids are cached forever once seen (they never change), so only the first sample
 * of a new series costs a round trip. Ids keep head records and sealed columns small.
 */
/** Series limits; 0 means none. */
export interface SeriesLimits {
  readonly perHost: number;
  /** Checked against a per-org counter before new series are created: approximate under races. */
  readonly perOrg: number;
}

/** Options of {@link SeriesRegistry.ids}. */
export interface IdsOptions {
  /**
   * Refuse new series past the per-host and per-org limits. `false` is for data already acknowledged
   * (spool replay): it was accepted while Redis was down, so its series are created whatever the
   * limits say rather than blocking the spool or losing the data. @defaultValue true
   */
  readonly enforceLimits?: boolean;
}

/** A series that would pass a series limit; nothing of the batch is written. */
export class SeriesLimitError extends SampleRejectedError {
  override name = 'SeriesLimitError';
  override readonly kind: FailureKind = 'limit';
}

export class SeriesRegistry {
  private readonly hosts = new Map<string, HostSeries>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly limits: SeriesLimits = { perHost: 0, perOrg: 0 },
  ) {}

  private host(org: string, host: string): HostSeries {
    const k = `${org}:${host}`;
    let entry = this.hosts.get(k);
    if (!entry) {
      entry = { byKey: new Map(), byId: new Map() };
      this.hosts.set(k, entry);
    }
    return entry;
  }

  /** Cached id of a series, or undefined when this process has not seen it yet. */
  cachedId(org: string, host: string, seriesKey: string): number | undefined {
    return this.host(org, host).byKey.get(seriesKey);
  }

  /** Cached key of an id, or undefined when this process has not seen it yet. */
  cachedKey(org: string, host: string, id: number): string | undefined {
    return this.host(org, host).byId.get(id);
  }

  /**
   * Ids of the given series, allocating missing ones atomically in Redis: within the series limits
   * (a {@link SeriesLimitError} allocates nothing), unless `enforceLimits` is false.
   */
  async ids(
    org: string,
    host: string,
    seriesKeys: readonly string[],
    options: IdsOptions = {},
  ): Promise<number[]> {
    const enforce = options.enforceLimits ?? true;
    const entry = this.host(org, host);
    const missing = [...new Set(seriesKeys.filter((k) => !entry.byKey.has(k)))];
    if (missing.length > 0) {
      if (enforce) await this.checkOrgLimit(org, missing.length);
      const [created, ...ids] = await this.allocate(org, host, missing, enforce ? this.limits.perHost : 0);
      if (created && this.limits.perOrg > 0) await this.redis.incrby(this.keys.orgSeriesCount(org), created);
      missing.forEach((k, i) => {
        remember(entry, k, Number(ids[i]));
      });
    }
    return seriesKeys.map((k) => entry.byKey.get(k) as number);
  }

  /** Runs the allocation script; `perHost` 0 means no limit. */
  private async allocate(
    org: string,
    host: string,
    missing: readonly string[],
    perHost: number,
  ): Promise<number[]> {
    try {
      const keys = [this.keys.series(org, host), this.keys.names(org, host)];
      return (await runScript(this.redis, seriesIdsScript, keys, [perHost, ...missing])) as number[];
    } catch (err: unknown) {
      if (!(err instanceof Error && err.message.startsWith('SERIESLIMIT'))) throw err;
      throw new SeriesLimitError(
        missing[0] ?? '',
        `series limit per host reached: host ${host} may have at most ${this.limits.perHost} series (VITALS_MAX_SERIES_PER_HOST)`,
      );
    }
  }

  private async checkOrgLimit(org: string, adding: number): Promise<void> {
    if (this.limits.perOrg <= 0) return;
    const count = Number((await this.redis.get(this.keys.orgSeriesCount(org))) ?? 0);
    if (count + adding > this.limits.perOrg) {
      throw new SeriesLimitError(
        '',
        `series limit per org reached: org ${org} may have at most ${this.limits.perOrg} series (VITALS_MAX_SERIES_PER_ORG)`,
      );
    }
  }

  /** Every series of a host, id → key, read from Redis (and cached). */
  async all(org: string, host: string): Promise<Map<number, string>> {
    const entry = this.host(org, host);
    const series = this.keys.series(org, host);
    const [hash, names] = await this.withNames(org, host, { key: series, add: (p) => p.hgetall(series) });
    for (const [id, key] of registryEntries(
      (hash ?? {}) as Record<string, string>,
      (names ?? null) as Buffer | null,
    ))
      remember(entry, key, id);
    return new Map(entry.byId);
  }

  /**
   * Ids of series already known to Redis (unknown keys are left out; nothing is allocated). Keys this
   * process has not seen are asked of the series HASH field by field and read from the names string
   * (whole: it has no per-key access, and costs ~20 bytes a series), in one round trip.
   */
  async lookup(org: string, host: string, seriesKeys: readonly string[]): Promise<Map<string, number>> {
    const entry = this.host(org, host);
    const unknown = seriesKeys.filter((k) => !entry.byKey.has(k));
    if (unknown.length > 0) {
      const series = this.keys.series(org, host);
      const fields = unknown.map((k) => `n:${k}`);
      const [fromHash, names] = await this.withNames(org, host, {
        key: series,
        add: (p) => p.hmget(series, ...fields),
      });
      ((fromHash ?? []) as (string | null)[]).forEach((id, i) => {
        if (id != null) remember(entry, unknown[i] as string, Number(id));
      });
      for (const [id, key] of registryEntries({}, (names ?? null) as Buffer | null)) remember(entry, key, id);
    }
    const out = new Map<string, number>();
    for (const k of seriesKeys) {
      const id = entry.byKey.get(k);
      if (id !== undefined) out.set(k, id);
    }
    return out;
  }

  /** `read` of the host's series HASH and its names string, in one round trip: both replies. */
  private withNames(org: string, host: string, read: PipelineOp): Promise<unknown[]> {
    const names = this.keys.names(org, host);
    return execGrouped(this.redis, [read, { key: names, add: (p) => p.getBuffer(names) }]);
  }
}

/**
 * Id and key of every series in a host's registry: the `n:<key>` fields of its series HASH (hosts
 * registered before the names STRING) and the lines of its names STRING: id n is line n, and a line
 * `<p> <suffix>` is the first p bytes of the key before it followed by the suffix (series-ids-2.lua).
 */
export function registryEntries(
  hash: Readonly<Record<string, string>>,
  names: Uint8Array | null,
): [number, string][] {
  const out: [number, string][] = [];
  for (const [field, value] of Object.entries(hash))
    if (field.startsWith('n:')) out.push([Number(value), field.slice(2)]);
  if (!names || names.length === 0) return out;
  let previous = new Uint8Array(0);
  let id = 0;
  for (let at = 0; at < names.length; ) {
    const end = names.indexOf(NEWLINE, at);
    if (end < 0) break;
    const space = names.indexOf(SPACE, at);
    if (space < 0 || space > end) throw new Error(`names line ${id + 1} is not "<p> <suffix>"`);
    const shared = Number(DECODER.decode(names.subarray(at, space)));
    const key = new Uint8Array(shared + end - space - 1);
    key.set(previous.subarray(0, shared));
    key.set(names.subarray(space + 1, end), shared);
    out.push([++id, DECODER.decode(key)]);
    previous = key;
    at = end + 1;
  }
  return out;
}

const NEWLINE = 10;
const SPACE = 32;
const DECODER = new TextDecoder();

function remember(entry: HostSeries, key: string, id: number): void {
  entry.byKey.set(key, id);
  entry.byId.set(id, key);
}
