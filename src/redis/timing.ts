/**
 * Per-command latency histograms and error counts for every command Vitals sends to Redis. The Redis
 * self-monitoring work reads them (P50/P95/P99); here they are only collected.
 *
 * Buckets are log-linear (8 sub-buckets per power of two of microseconds), so a percentile is within
 * ~9 % of the true value while each command costs one array increment.
 */
const SUB = 8;
const BUCKETS = 40 * SUB;

export interface CommandStat {
  readonly count: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

class Histogram {
  readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  errors = 0;

  record(micros: number): void {
    this.counts[bucketOf(micros)] = (this.counts[bucketOf(micros)] ?? 0) + 1;
    this.count += 1;
  }

  percentileMs(q: number): number {
    let rank = Math.ceil(q * this.count);
    for (let i = 0; i < BUCKETS; i++) {
      rank -= this.counts[i] ?? 0;
      if (rank <= 0) return upperBoundMicros(i) / 1000;
    }
    return 0;
  }
}

function bucketOf(micros: number): number {
  if (micros < SUB) return Math.max(0, Math.floor(micros));
  const exp = Math.floor(Math.log2(micros));
  const sub = Math.floor((micros / 2 ** exp - 1) * SUB);
  return Math.min(BUCKETS - 1, (exp - 2) * SUB + sub);
}

function upperBoundMicros(bucket: number): number {
  if (bucket < SUB) return bucket + 1;
  const exp = Math.floor(bucket / SUB) + 2;
  const sub = bucket % SUB;
  return 2 ** exp * (1 + (sub + 1) / SUB);
}

export class CommandTimings {
  private readonly byCommand = new Map<string, Histogram>();

  record(command: string, micros: number, failed: boolean): void {
    // `redis.call('SET', …)` and `redis.set(…)` are one command: count them under one name.
    const name = command.toLowerCase();
    let h = this.byCommand.get(name);
    if (!h) {
      h = new Histogram();
      this.byCommand.set(name, h);
    }
    h.record(micros);
    if (failed) h.errors += 1;
  }

  snapshot(): Record<string, CommandStat> {
    const out: Record<string, CommandStat> = {};
    for (const [name, h] of this.byCommand) {
      out[name] = {
        count: h.count,
        errors: h.errors,
        p50Ms: h.percentileMs(0.5),
        p95Ms: h.percentileMs(0.95),
        p99Ms: h.percentileMs(0.99),
      };
    }
    return out;
  }
}
