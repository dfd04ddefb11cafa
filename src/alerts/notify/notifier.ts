import { Queue, type Worker } from 'bullmq';
import type { Logger } from '../../config/index.ts';
import {
  type ConnectionDeps,
  closeRedis,
  createRedis,
  type Keys,
  type RedisClient,
} from '../../redis/index.ts';
import type { Notification, NotificationSink } from '../contract.ts';
import {
  DELIVER_QUEUE,
  type DeliverJobData,
  type DeliverJobResult,
  deliverJobOptions,
  deliveryJobId,
  deliveryKey,
} from './catalog.ts';
import { channelTakes } from './channel-input.ts';
import type { Channel } from './channel-schema.ts';
import { ChannelStore, type Sealer } from './channel-store.ts';
import { DeliveryLog, type DeliveryRecord } from './deliveries.ts';
import { ChannelError, messageOf } from './errors.ts';
import { type DeliveryCounters, type DeliveryFigures, deliveryFigures } from './figures.ts';
import { type DeliveryOptions, deliveryOptions } from './options.ts';
import { quietUntil } from './quiet-hours.ts';
import { send } from './senders.ts';
import { testNotification } from './test-notification.ts';
import { startDeliverWorker, within } from './worker.ts';

export interface NotifierDeps {
  /** Redis settings: the notifier opens its own connections (queue: fail fast; worker: blocking) and closes them. */
  readonly connection: ConnectionDeps;
  readonly keys: Keys;
  /** Seals channel secrets at rest (tenancy's `SecretSeal` over the runtime's secret keys). */
  readonly sealer: Sealer;
  readonly logger: Logger;
  /** @defaultValue `Date.now` */
  readonly now?: () => number;
  /** Wraps every send, queued or a channel test (the connection-event monitor times them). */
  readonly wrapSend?: (sender: typeof send) => typeof send;
}

/**
 * Turns notifications into deliveries, once each: one BullMQ job per (alert, transition, channel)
 * whose id is the idempotency key, so queueing the same notification again (a retried evaluation,
 * another process) is a no-op; workers send it with retries and backoff and keep a delivered marker.
 */
export class Notifier implements NotificationSink {
  readonly channels: ChannelStore;
  readonly deliveries: DeliveryLog;
  readonly options: DeliveryOptions;
  private readonly queue: Queue<DeliverJobData, DeliverJobResult>;
  private readonly redis: RedisClient;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly send: typeof send;
  private readonly counters: DeliveryCounters = { delivered: 0, retried: 0, failed: 0 };
  private worker: { worker: Worker; connection: RedisClient } | undefined;
  private closingWorkers: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly deps: NotifierDeps,
    overrides: Partial<DeliveryOptions> = {},
  ) {
    this.options = deliveryOptions(overrides);
    this.logger = deps.logger.child({ component: 'alerts-notify' });
    this.now = deps.now ?? Date.now;
    this.send = deps.wrapSend?.(send) ?? send;
    this.redis = createRedis(deps.connection, 'request', 'alerts-notify');
    this.channels = new ChannelStore(this.redis, deps.keys, deps.sealer, this.now);
    this.deliveries = new DeliveryLog(this.redis, deps.keys);
    this.queue = new Queue(deps.keys.bullQueue(DELIVER_QUEUE), {
      connection: this.redis,
      prefix: deps.keys.bullPrefix(),
    });
    this.queue.on('error', (err) => this.logger.debug({ err: messageOf(err) }, 'delivery queue error'));
  }

  /** Queues one job per matching channel; throws ChannelError('unavailable') when Redis does not take them. */
  async notify(org: string, notifications: readonly Notification[]): Promise<void> {
    if (notifications.length === 0) return;
    const channels = await this.channels.list(org);
    try {
      for (const n of notifications)
        for (const channel of channels)
          if (channelTakes(channel, n.alert.severity, n.alert.labels)) await this.enqueue(org, n, channel);
    } catch (err: unknown) {
      if (err instanceof ChannelError) throw err;
      throw new ChannelError('unavailable', 'notifications not queued: the store is unreachable', {
        cause: err,
      });
    }
  }

  private async enqueue(org: string, n: Notification, channel: Channel): Promise<void> {
    const key = deliveryKey(n, channel.id);
    const now = this.now();
    // Quiet hours hold warnings until they end; critical alerts go out at once.
    const until =
      channel.quietHours && n.alert.severity !== 'critical' ? quietUntil(channel.quietHours, now) : undefined;
    const record: DeliveryRecord = {
      key,
      alertId: n.alert.id,
      seq: n.transition.seq,
      action: n.transition.action,
      severity: n.alert.severity,
      channelId: channel.id,
      kind: channel.kind,
      status: until ? 'deferred' : 'queued',
      attempts: 0,
      queuedAt: now,
      ...(until && { notBefore: until }),
      updatedAt: now,
    };
    await this.deliveries.open(org, record);
    await this.queue.add(
      'deliver',
      { org, key, channelId: channel.id, notification: n },
      {
        ...deliverJobOptions(this.options),
        jobId: deliveryJobId(org, key),
        ...(until && { delay: until - now }),
      },
    );
  }

  /** Sends a test notification to one channel now (not queued), and says whether it arrived. */
  async test(org: string, id: string): Promise<{ delivered: boolean; reason?: string }> {
    const channel = await this.channels.require(org, id);
    const now = this.now();
    const n = testNotification(org, channel.id, now);
    try {
      await this.send(channel, {
        org,
        key: deliveryKey(n, channel.id),
        notification: n,
        linkBase: this.options.linkBase,
        timeoutMs: this.options.timeoutMs,
        now,
      });
      return { delivered: true };
    } catch (err: unknown) {
      return { delivered: false, reason: messageOf(err) };
    }
  }

  /** Pending, in flight (all processes), delivered, retried and failed (this process since start). */
  figures(): Promise<DeliveryFigures> {
    return deliveryFigures(this.queue, this.counters);
  }

  /** This process' delivered, retried and failed counts (no Redis needed). */
  counts(): DeliveryCounters {
    return { ...this.counters };
  }

  /** Starts the delivery worker (when `runWorkers`). */
  start(): void {
    if (this.closingWorkers) throw new Error('notifier is closed');
    if (this.worker || !this.options.runWorkers) return;
    this.worker = startDeliverWorker({
      connection: this.deps.connection,
      keys: this.deps.keys,
      options: this.options,
      logger: this.logger,
      counters: this.counters,
      deliver: {
        channels: this.channels,
        log: this.deliveries,
        options: this.options,
        now: this.now,
        send: this.send,
      },
    });
  }

  /** Stops taking jobs and waits (bounded) for running deliveries (shutdown stage `workers`). Safe twice. */
  closeWorkers(): Promise<void> {
    this.closingWorkers ??= (async () => {
      if (!this.worker) return;
      const { worker, connection } = this.worker;
      const graceful = connection.status === 'ready';
      if (!graceful) connection.disconnect();
      await within(worker.close(!graceful), 5000);
      await closeRedis(connection);
    })();
    return this.closingWorkers;
  }

  /** Workers, then the queue, then its connection (shutdown stage `queues`). Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.closeWorkers();
      if (this.redis.status !== 'ready') this.redis.disconnect();
      await within(this.queue.close(), 5000);
      await closeRedis(this.redis);
    })();
    return this.closing;
  }
}
