import type { Queue, Worker } from 'bullmq';
import type { Logger } from '../config/index.ts';
import { type ConnectionDeps, closeRedis, createRedis, type RedisClient } from '../redis/index.ts';
import type { CollectJobData, CollectJobResult, JobCatalog, JobHandlers } from './catalog.ts';
import type { CollectControl } from './control.ts';
import { messageOf } from './errors.ts';
import type { CollectionEvents, CollectionListener } from './events.ts';
import type { HostSource } from './hosts.ts';
import type { CollectOptions } from './options.ts';
import { ReconcileLoop } from './reconcile-loop.ts';
import type { ReconcileResult, ScheduleReconciler } from './scheduler.ts';
import { createWorker } from './worker.ts';

/** Pull collection: schedules, workers, control and collection events. */
/** Longest a close step may take before shutdown goes on without it. */
const CLOSE_DEADLINE_MS = 5000;

async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

export interface Collection {
  readonly control: CollectControl;
  /** Starts workers (if `runWorkers`), follows host changes, and reconciles schedules (now and periodically). */
  start(): Promise<void>;
  /** Reconciles every schedule with the hosts now. */
  reconcile(): Promise<ReconcileResult>;
  /** Listens to every collection attempt made in this process; returns the remover. */
  onCollection(listener: CollectionListener): () => void;
  /** Stops taking jobs and waits for running ones (shutdown stage `workers`). Safe to call twice. */
  closeWorkers(): Promise<void>;
  /** Workers, then the queue, then the connections (shutdown stage `queues`). Safe to call twice. */
  close(): Promise<void>;
}

export interface CollectionParts {
  readonly connection: ConnectionDeps;
  readonly hosts: HostSource;
  readonly queue: Queue<CollectJobData, CollectJobResult>;
  readonly queueName: string;
  readonly prefix: string;
  /** The queue's fail-fast connection, owned here. */
  readonly redis: RedisClient;
  readonly scheduler: ScheduleReconciler;
  readonly control: CollectControl;
  readonly events: CollectionEvents;
  readonly catalog: JobCatalog;
  readonly handlers: JobHandlers;
  readonly options: CollectOptions;
  readonly logger: Logger;
}

export class CollectionService implements Collection {
  readonly control: CollectControl;
  private readonly loop: ReconcileLoop;
  private worker: Worker<CollectJobData, CollectJobResult> | undefined;
  private workerConnection: RedisClient | undefined;
  private unsubscribe: (() => void) | undefined;
  private started = false;
  private closingWorkers: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly parts: CollectionParts) {
    this.control = parts.control;
    this.loop = new ReconcileLoop(
      () => parts.scheduler.reconcileAll(),
      parts.options.reconcileIntervalMs,
      parts.logger,
    );
  }

  async start(): Promise<void> {
    if (this.closing) throw new Error('collection is closed');
    if (this.started) return;
    this.started = true;
    this.unsubscribe = this.parts.hosts.onHostChange(({ org, host }) => this.hostChanged(org, host.id));
    // Wait (briefly) for Redis so the first reconcile runs at once; without Redis, carry on degraded.
    const timeout = new Promise((resolve) =>
      setTimeout(resolve, this.parts.connection.config.connectTimeoutMs).unref(),
    );
    await Promise.race([this.parts.queue.waitUntilReady().catch(() => undefined), timeout]);
    if (this.parts.options.runWorkers) this.startWorker();
    this.loop.start();
  }

  reconcile(): Promise<ReconcileResult> {
    return this.loop.now();
  }

  onCollection(listener: CollectionListener): () => void {
    return this.parts.events.on(listener);
  }

  closeWorkers(): Promise<void> {
    this.closingWorkers ??= (async () => {
      this.unsubscribe?.();
      await this.loop.stop();
      if (!this.worker) return;
      // A worker waits for its running jobs; while Redis is away it would wait for ever: then it is
      // forced (its jobs' locks expire and another process retries them).
      if (this.workerConnection?.status !== 'ready') this.workerConnection?.disconnect();
      const graceful = this.workerConnection?.status === 'ready';
      await within(this.worker.close(!graceful), CLOSE_DEADLINE_MS);
    })();
    return this.closingWorkers;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.closeWorkers();
      if (this.parts.redis.status !== 'ready') this.parts.redis.disconnect();
      await within(this.parts.queue.close(), CLOSE_DEADLINE_MS);
      if (this.workerConnection) await closeRedis(this.workerConnection);
      await closeRedis(this.parts.redis);
    })();
    return this.closing;
  }

  private hostChanged(org: string, host: string): void {
    this.parts.scheduler.reconcileHost(org, host).catch((err: unknown) => {
      if (this.closingWorkers) return;
      this.parts.logger.warn(
        { err: messageOf(err), org, host },
        'collection schedule not updated; a full check follows',
      );
      this.loop.soon();
    });
  }

  private startWorker(): void {
    const { parts } = this;
    this.workerConnection = createRedis(parts.connection, 'worker', 'collect-worker');
    this.worker = createWorker({ ...parts, connection: this.workerConnection });
    this.worker
      .run()
      .catch((err: unknown) => parts.logger.error({ err: messageOf(err) }, 'collect worker stopped'));
  }
}
