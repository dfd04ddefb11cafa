import { type HostPush, ID_PATTERN, type IngestRequest, sampleNumber } from '../contract/index.ts';
import type { WriteBatch } from '../tsdb/index.ts';
import { IngestRejectedError } from './errors.ts';
import { checkSampleCount, checkSeries, checkSeriesKey, type IngestLimits } from './limits.ts';

/** A host named by a push, for auto-registration. */
export interface PushedHost {
  readonly id: string;
  readonly name?: string;
  readonly labels?: Record<string, string>;
}

class BatchBuilder {
  readonly keys = new Map<string, number>();
  readonly series: number[] = [];
  readonly timestamps: number[] = [];
  readonly values: number[] = [];

  /** The keys in the order first added, and the index the next sample's key is guessed at. */
  private readonly order: string[] = [];
  private guess = 0;

  add(key: string, timestamp: number, value: number): void {
    // Snapshots repeat their keys in the same order (the same string objects, from the parsers'
    // caches): the key after the one before is compared first, by reference, before the map.
    let idx = this.guess;
    if (this.order[idx] !== key) {
      const known = this.keys.get(key);
      if (known === undefined) {
        idx = this.keys.size;
        this.keys.set(key, idx);
        this.order.push(key);
      } else idx = known;
    }
    this.guess = idx + 1 < this.order.length ? idx + 1 : 0;
    this.series.push(idx);
    this.timestamps.push(timestamp);
    this.values.push(value);
  }

  build(org: string, host: string): WriteBatch {
    return {
      org,
      host,
      seriesKeys: this.order,
      series: this.series,
      timestamps: this.timestamps,
      values: this.values,
    };
  }
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function refuse(host: string, where: string, problem: string): never {
  throw new IngestRejectedError('bad_request', `host "${host}", ${where}: ${problem}`);
}

function badValue(host: string, where: string, value: unknown): never {
  refuse(host, where, `value ${show(value)} must be a JSON number or one of "NaN", "+Inf", "-Inf"`);
}

function checkTimestamp(host: string, where: string, t: unknown): number {
  if (typeof t === 'number' && Number.isSafeInteger(t) && t >= 0) return t;
  refuse(host, where, `timestamp ${show(t)} must be an integer of ms since the epoch`);
}

/** One host's samples as a batch; values and timestamps must have their JSON types. */
function hostBatch(org: string, push: HostPush, limits: IngestLimits): WriteBatch {
  const builder = new BatchBuilder();
  // Clients repeat the same keys in every snapshot: check each distinct key once.
  const canonical = new Map<string, string>();
  for (const [i, snap] of (push.snapshots ?? []).entries()) {
    const t = checkTimestamp(push.host, `snapshot ${i}`, snap.timestamp);
    for (const [key, value] of Object.entries(snap.metrics)) {
      let canon = canonical.get(key);
      if (canon === undefined) {
        canon = checkSeriesKey(key, limits);
        canonical.set(key, canon);
      }
      const n = sampleNumber(value);
      if (n === undefined) badValue(push.host, `snapshot ${i}, series "${key}"`, value);
      builder.add(canon, t, n);
    }
  }
  for (const s of push.series ?? []) {
    const key = checkSeries(s.name, s.labels ?? {}, limits);
    for (const [j, [t, v]] of s.points.entries()) {
      const n = sampleNumber(v);
      if (n === undefined) badValue(push.host, `series "${key}", point ${j}`, v);
      builder.add(key, checkTimestamp(push.host, `series "${key}", point ${j}`, t), n);
    }
  }
  return builder.build(org, push.host);
}

/**
 * Turns a JSON push into write batches (one per host), checking names, labels and limits, and that
 * every value and timestamp has its JSON type: the HTTP schema refuses others already, but in-process
 * callers (the local agent) do not pass it, and a wrong type must never become data.
 */
export function batchesFromJson(
  org: string,
  body: IngestRequest,
  limits: IngestLimits,
): { batches: WriteBatch[]; hosts: PushedHost[] } {
  checkSampleCount(countSamples(body), limits);
  const batches: WriteBatch[] = [];
  const hosts: PushedHost[] = [];
  for (const push of body.hosts) {
    if (!ID_PATTERN.test(push.host)) {
      throw new IngestRejectedError(
        'bad_request',
        `host id "${push.host}" is not valid: it must match ${ID_PATTERN.source}`,
      );
    }
    batches.push(hostBatch(org, push, limits));
    hosts.push({ id: push.host, name: push.name, labels: push.labels });
  }
  return { batches, hosts };
}

function countSamples(body: IngestRequest): number {
  let n = 0;
  for (const h of body.hosts) {
    for (const s of h.snapshots ?? []) n += Object.keys(s.metrics).length;
    for (const s of h.series ?? []) n += s.points.length;
  }
  return n;
}

export { BatchBuilder };
