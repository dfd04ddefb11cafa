import type { Redis } from 'ioredis';

/**
 * The original design, reproduced as the benchmarks' baseline: every heartbeat of a host is one JSON
 * snapshot `{timestamp, cpu, memory, …}` in the host's sorted set (score = timestamp), written in batches.
 */
export class BaselineStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(host: string): string {
    return `${this.prefix}metrics:${host}`;
  }

  /** Writes snapshots of one host in one pipeline (the original flushed a 30-second batch at once). */
  async write(
    host: string,
    snapshots: ReadonlyArray<{ timestamp: number; values: Record<string, number> }>,
  ): Promise<void> {
    const key = this.key(host);
    const args: (string | number)[] = [];
    for (const s of snapshots)
      args.push(s.timestamp, JSON.stringify({ timestamp: s.timestamp, ...s.values }));
    for (let i = 0; i < args.length; i += 2000) await this.redis.zadd(key, ...args.slice(i, i + 2000));
  }

  /** One metric over [from, to]: ZRANGEBYSCORE, then JSON.parse of every snapshot. */
  async range(
    host: string,
    metric: string,
    from: number,
    to: number,
  ): Promise<{ timestamps: number[]; values: number[] }> {
    const rows = await this.redis.zrangebyscore(this.key(host), from, to);
    const timestamps: number[] = [];
    const values: number[] = [];
    for (const row of rows) {
      const snap = JSON.parse(row) as Record<string, number>;
      timestamps.push(snap.timestamp as number);
      values.push(snap[metric] as number);
    }
    return { timestamps, values };
  }
}
