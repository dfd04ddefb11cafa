import { ID_PATTERN, type IngestRequest, toNumber } from '../contract/index.ts';
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

  add(key: string, timestamp: number, value: number): void {
    let idx = this.keys.get(key);
    if (idx === undefined) {
      idx = this.keys.size;
      this.keys.set(key, idx);
    }
    this.series.push(idx);
    this.timestamps.push(timestamp);
    this.values.push(value);
  }

  build(org: string, host: string): WriteBatch {
    return {
      org,
      host,
      seriesKeys: [...this.keys.keys()],
      series: this.series,
      timestamps: this.timestamps,
      values: this.values,
    };
  }
}

/** Turns a JSON push into write batches (one per host), checking names, labels and limits. */
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
    const builder = new BatchBuilder();
    // Clients repeat the same keys in every snapshot: check each distinct key once.
    const canonical = new Map<string, string>();
    for (const snap of push.snapshots ?? []) {
      for (const [key, value] of Object.entries(snap.metrics)) {
        let canon = canonical.get(key);
        if (canon === undefined) {
          canon = checkSeriesKey(key, limits);
          canonical.set(key, canon);
        }
        builder.add(canon, snap.timestamp, toNumber(value));
      }
    }
    for (const s of push.series ?? []) {
      const key = checkSeries(s.name, s.labels ?? {}, limits);
      for (const [t, v] of s.points) builder.add(key, t, toNumber(v));
    }
    batches.push(builder.build(org, push.host));
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
