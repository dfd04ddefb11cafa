/**
 * Per-command latency histograms, error and slow-command counts for every command Vitals sends to
 * Redis, as the client sees them (queueing and network included). `/metrics`, the OTLP export and the
 * self-metrics series read them; recording stays a few array increments.
 *
 * Buckets are log-linear (8 sub-buckets per power of two of microseconds), so a percentile is within
 * ~9 % of the true value while each command costs one array increment. Every power of two of
 * microseconds is a bucket boundary, so Prometheus buckets at 2^n µs are exact (`cumulativeAt`).
 */
const SUB = 8;
const BUCKETS = 40 * SUB;

/** Whether a command reads, writes or does neither (connection, server, scripting admin). */
export type CommandKind = 'read' | 'write' | 'other';

export interface CommandStat {
  readonly kind: CommandKind;
  readonly count: number;
  readonly errors: number;
  /** Commands that took at least the slow threshold (`VITALS_REDIS_SLOW_MS`). */
  readonly slow: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** One command's raw histogram, for exporters (read-only view; counts are live). */
export interface CommandHistogram {
  readonly command: string;
  readonly kind: CommandKind;
  readonly count: number;
  readonly errors: number;
  readonly slow: number;
  readonly sumMicros: number;
  /** Cumulative counts at each bound (µs), ascending; the last entry of `bounds` may be Infinity. */
  cumulativeAt(boundsMicros: readonly number[]): number[];
}

// Classified by the command's flags in Redis' command table (readonly / write). EVAL and EVALSHA run
// Vitals' Lua scripts, which all write, so they count as writes.
const READS = new Set(
  (
    'get getrange mget strlen getbit bitcount bitpos exists type ttl pttl expiretime pexpiretime ' +
    'hget hmget hgetall hkeys hvals hlen hexists hstrlen hscan hrandfield ' +
    'lrange lindex llen lpos smembers sismember smismember scard srandmember sscan sinter sunion sdiff ' +
    'sintercard zrange zrangebyscore zrevrangebyscore zrevrange zrangebylex zrevrangebylex zscore ' +
    'zmscore zcard zcount zlexcount zrank zrevrank zscan zrandmember zinter zunion zdiff zintercard ' +
    'xrange xrevrange xlen xread xinfo xpending pfcount scan keys randomkey dbsize dump object ' +
    'memory geopos geodist georadius_ro georadiusbymember_ro geosearch geohash substr lcs ' +
    'evalsha_ro eval_ro fcall_ro sort_ro bitfield_ro touch'
  ).split(' '),
);
const WRITES = new Set(
  (
    'set setex psetex setnx getset getdel getex append setrange incr incrby incrbyfloat decr decrby ' +
    'mset msetnx setbit bitop bitfield del unlink expire pexpire expireat pexpireat persist rename ' +
    'renamenx copy move restore hset hsetnx hmset hdel hincrby hincrbyfloat lpush rpush lpushx rpushx ' +
    'lpop rpop linsert lset lrem ltrim lmove rpoplpush blpop brpop blmove brpoplpush lmpop blmpop ' +
    'sadd srem spop smove sinterstore sunionstore sdiffstore zadd zincrby zrem zremrangebyscore ' +
    'zremrangebyrank zremrangebylex zpopmin zpopmax bzpopmin bzpopmax zmpop bzmpop zrangestore ' +
    'zunionstore zinterstore zdiffstore xadd xdel xtrim xgroup xack xclaim xautoclaim xreadgroup ' +
    'xsetid pfadd pfmerge geoadd geosearchstore georadius georadiusbymember sort flushdb flushall ' +
    'eval evalsha fcall'
  ).split(' '),
);

export function commandKind(command: string): CommandKind {
  const name = command.toLowerCase();
  if (WRITES.has(name)) return 'write';
  if (READS.has(name)) return 'read';
  return 'other';
}

class Histogram implements CommandHistogram {
  readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  errors = 0;
  slow = 0;
  sumMicros = 0;
  maxMicros = 0;

  constructor(
    readonly command: string,
    readonly kind: CommandKind,
  ) {}

  record(micros: number, failed: boolean, slowMicros: number): void {
    const b = bucketOf(micros);
    this.counts[b] = (this.counts[b] ?? 0) + 1;
    this.count += 1;
    this.sumMicros += micros;
    if (micros > this.maxMicros) this.maxMicros = micros;
    if (failed) this.errors += 1;
    if (micros >= slowMicros) this.slow += 1;
  }

  percentileMs(q: number): number {
    let rank = Math.ceil(q * this.count);
    for (let i = 0; i < BUCKETS; i++) {
      rank -= this.counts[i] ?? 0;
      // Never above the largest value seen: the bucket's upper bound can be up to 12.5 % above it.
      if (rank <= 0) return Math.min(upperBoundMicros(i), this.maxMicros) / 1000;
    }
    return 0;
  }

  cumulativeAt(boundsMicros: readonly number[]): number[] {
    const out: number[] = [];
    let i = 0;
    let running = 0;
    for (const bound of boundsMicros) {
      while (i < BUCKETS && upperBoundMicros(i) <= bound) running += this.counts[i++] ?? 0;
      out.push(bound === Number.POSITIVE_INFINITY ? this.count : running);
    }
    return out;
  }
}

function bucketOf(micros: number): number {
  if (micros < SUB) return Math.max(0, Math.floor(micros));
  const exp = Math.floor(Math.log2(micros));
  const sub = Math.floor((micros / 2 ** exp - 1) * SUB);
  return Math.min(BUCKETS - 1, (exp - 2) * SUB + sub);
}

function upperBoundMicros(bucket: number): number {
  if (bucket === BUCKETS - 1) return Number.POSITIVE_INFINITY;
  if (bucket < SUB) return bucket + 1;
  const exp = Math.floor(bucket / SUB) + 2;
  const sub = bucket % SUB;
  return 2 ** exp * (1 + (sub + 1) / SUB);
}

export interface CommandTimingsOptions {
  /** A command taking at least this long counts as slow (`VITALS_REDIS_SLOW_MS`). @defaultValue 100 */
  readonly slowMs?: number;
}

export class CommandTimings {
  /** By the name as sent (`set`, `SET`…): one lookup per command, no lower-casing on the hot path. */
  private readonly byName = new Map<string, Histogram>();
  /** By the lower-cased name: `redis.call('SET', …)` and `redis.set(…)` are one command. */
  private readonly byCommand = new Map<string, Histogram>();
  private readonly slowMicros: number;

  constructor(options: CommandTimingsOptions = {}) {
    this.slowMicros = (options.slowMs ?? 100) * 1000;
  }

  record(command: string, micros: number, failed: boolean): void {
    const h = this.byName.get(command) ?? this.add(command);
    h.record(micros, failed, this.slowMicros);
  }

  private add(command: string): Histogram {
    const name = command.toLowerCase();
    let h = this.byCommand.get(name);
    if (!h) {
      h = new Histogram(name, commandKind(name));
      this.byCommand.set(name, h);
    }
    this.byName.set(command, h);
    return h;
  }

  /** The slow threshold in milliseconds. */
  get slowMs(): number {
    return this.slowMicros / 1000;
  }

  /** Every command seen so far, with its live histogram. */
  histograms(): CommandHistogram[] {
    return [...this.byCommand.values()];
  }

  snapshot(): Record<string, CommandStat> {
    const out: Record<string, CommandStat> = {};
    for (const [name, h] of this.byCommand) {
      out[name] = {
        kind: h.kind,
        count: h.count,
        errors: h.errors,
        slow: h.slow,
        p50Ms: h.percentileMs(0.5),
        p95Ms: h.percentileMs(0.95),
        p99Ms: h.percentileMs(0.99),
        maxMs: h.maxMicros / 1000,
      };
    }
    return out;
  }
}
