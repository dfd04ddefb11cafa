import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from '../../config/index.ts';
import { redactError } from '../../contract/index.ts';
import { type ConnectionDeps, createRedis, type Keys, type RedisClient } from '../../redis/index.ts';
import { DELIVER_QUEUE, type DeliverJobData, type DeliverJobResult, isDeliverJob } from './catalog.ts';
import { type DeliverDeps, deliver } from './deliver.ts';
import { messageOf } from './errors.ts';
import type { DeliveryCounters } from './figures.ts';
import type { DeliveryOptions } from './options.ts';

export interface DeliverWorkerDeps {
  readonly connection: ConnectionDeps;
  readonly keys: Keys;
  readonly options: DeliveryOptions;
  readonly logger: Logger;
  readonly counters: DeliveryCounters;
  readonly deliver: DeliverDeps;
}

/** Waits for `work` at most `ms` (a close step that hangs on a missing Redis must not stop shutdown). */
export async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/**
 * The delivery worker on its own blocking connection. A process killed mid-delivery leaves its job
 * locked for `lockDuration`; then any process' stalled-job check puts it back and it runs again (up to
 * 5 times for stalls, apart from the attempts for failures).
 */
export function startDeliverWorker(deps: DeliverWorkerDeps): { worker: Worker; connection: RedisClient } {
  const { options, logger, counters } = deps;
  const connection = createRedis(deps.connection, 'worker', 'alerts-deliver-worker');
  const processor = async (job: Job<DeliverJobData, DeliverJobResult>): Promise<DeliverJobResult> => {
    if (!isDeliverJob(job.data)) throw new UnrecoverableError(`job ${job.id} has an invalid payload`);
    try {
      return await deliver(deps.deliver, job.data, {
        number: job.attemptsMade + 1,
        of: job.opts.attempts ?? 1,
      });
    } catch (err: unknown) {
      // BullMQ stores the message (failedReason) and stack in Redis: redacted first.
      throw redactError(err);
    }
  };
  const lockDuration = Math.max(5000, options.timeoutMs * 2);
  const worker = new Worker<DeliverJobData, DeliverJobResult>(deps.keys.bullQueue(DELIVER_QUEUE), processor, {
    connection,
    prefix: deps.keys.bullPrefix(),
    concurrency: options.concurrency,
    autorun: false,
    lockDuration,
    stalledInterval: lockDuration,
    maxStalledCount: 5,
  });
  let lastError = 0;
  worker.on('error', (err) => {
    if (Date.now() - lastError < 10_000) return;
    lastError = Date.now();
    logger.warn({ err: messageOf(err) }, 'delivery worker error');
  });
  worker.on('completed', (_job, result) => {
    if (result.status === 'delivered') counters.delivered += 1;
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (!final) {
      counters.retried += 1;
      return;
    }
    counters.failed += 1;
    logger.warn({ jobId: job.id, org: job.data.org, reason: err.message }, 'notification not delivered');
  });
  worker.run().catch((err: unknown) => logger.error({ err: messageOf(err) }, 'delivery worker stopped'));
  return { worker, connection };
}
