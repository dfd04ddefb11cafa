import type { Keys, RedisClient } from '../../redis/index.ts';
import { ChannelError } from './errors.ts';

export const DELIVERY_STATUSES = [
  'queued',
  'deferred',
  'retrying',
  'delivered',
  'failed',
  'skipped',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One notification to one channel, as `GET /api/v1/alerts/deliveries` shows it. */
export interface DeliveryRecord {
  /** The idempotency key `<alertId>:<seq>:<channelId>`. */
  readonly key: string;
  readonly alertId: string;
  readonly seq: number;
  readonly action: string;
  readonly severity: string;
  readonly channelId: string;
  readonly kind: string;
  readonly status: DeliveryStatus;
  /** Attempts made so far. */
  readonly attempts: number;
  /** Why the last attempt failed (redacted), or why it was skipped. */
  readonly reason?: string;
  readonly queuedAt: number;
  /** Deferred by quiet hours until then. */
  readonly notBefore?: number;
  readonly deliveredAt?: number;
  readonly updatedAt: number;
}

/** Delivered markers and records live 30 days, like the alert history. */
export const DELIVERY_KEEP_MS = 30 * 86_400_000;
/** Records kept per org (the newest). */
const KEEP_RECORDS = 2000;

/**
 * Per org: HASH `<alerts(org)>deliveries` (key → record JSON), ZSET `<alerts(org)>deliveries:recent`
 * (score = last change) and STRING `<alerts(org)>delivered:<key>`, the delivered marker.
 */
export class DeliveryLog {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  private records(org: string): string {
    return `${this.keys.alerts(org)}deliveries`;
  }

  private recent(org: string): string {
    return `${this.keys.alerts(org)}deliveries:recent`;
  }

  marker(org: string, key: string): string {
    return `${this.keys.alerts(org)}delivered:${key}`;
  }

  /** The first record of a delivery; a second `notify` of the same one leaves the record as it is. */
  async open(org: string, record: DeliveryRecord): Promise<boolean> {
    const [[, added] = []] =
      (await this.redis
        .multi()
        .hsetnx(this.records(org), record.key, JSON.stringify(record))
        .zadd(this.recent(org), 'NX', record.updatedAt, record.key)
        .exec()) ?? [];
    return added === 1;
  }

  async update(org: string, key: string, change: Partial<DeliveryRecord>, now: number): Promise<void> {
    const json = await this.redis.hget(this.records(org), key);
    if (json === null) return;
    const record = { ...(JSON.parse(json) as DeliveryRecord), ...change, updatedAt: now };
    await this.redis
      .multi()
      .hset(this.records(org), key, JSON.stringify(record))
      .zadd(this.recent(org), now, key)
      .exec();
    if (Math.random() < 0.05) await this.trim(org);
  }

  private async trim(org: string): Promise<void> {
    const old = await this.redis.zrange(this.recent(org), 0, -(KEEP_RECORDS + 1));
    if (old.length === 0) return;
    await this.redis
      .multi()
      .zrem(this.recent(org), ...old)
      .hdel(this.records(org), ...old)
      .exec();
  }

  /** Newest first, optionally of one status. */
  async list(org: string, status: DeliveryStatus | undefined, limit: number): Promise<DeliveryRecord[]> {
    try {
      return await this.read(org, status, limit);
    } catch (err: unknown) {
      throw new ChannelError('unavailable', 'deliveries not read: the store is unreachable', { cause: err });
    }
  }

  private async read(
    org: string,
    status: DeliveryStatus | undefined,
    limit: number,
  ): Promise<DeliveryRecord[]> {
    const out: DeliveryRecord[] = [];
    const page = Math.max(limit, 100);
    for (let start = 0; out.length < limit; start += page) {
      const keys = await this.redis.zrevrange(this.recent(org), start, start + page - 1);
      if (keys.length === 0) break;
      const values = await this.redis.hmget(this.records(org), ...keys);
      for (const json of values) {
        if (json === null) continue;
        const record = JSON.parse(json) as DeliveryRecord;
        if (status === undefined || record.status === status) out.push(record);
        if (out.length >= limit) break;
      }
      if (status === undefined) break;
    }
    return out;
  }

  async delivered(org: string, key: string): Promise<boolean> {
    return (await this.redis.exists(this.marker(org, key))) === 1;
  }

  /** Sets the delivered marker (SET NX, 30 d); false when another attempt set it first. */
  async markDelivered(org: string, key: string, now: number): Promise<boolean> {
    const set = await this.redis.set(this.marker(org, key), String(now), 'PX', DELIVERY_KEEP_MS, 'NX');
    return set === 'OK';
  }
}
