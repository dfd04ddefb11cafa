import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from '../config/index.ts';
import { redactError } from '../contract/index.ts';
import type { RedisClient } from '../redis/index.ts';
import type { CollectJobData, CollectJobResult, JobCatalog, JobHandlers, JobName } from './catalog.ts';
import { messageOf } from './errors.ts';
import type { CollectOptions } from './options.ts';

export interface WorkerDeps {
  readonly queueName: string;
  readonly prefix: string;
  /** A worker-role connection (`maxRetriesPerRequest: null`); BullMQ duplicates it for blocking reads. */
  readonly connection: RedisClient;
  readonly catalog: JobCatalog;
  readonly handlers: JobHandlers;
  readonly options: CollectOptions;
  readonly logger: Logger;
}

function isJobName(name: string, catalog: JobCatalog): name is JobName {
  return Object.hasOwn(catalog, name);
}

/**
 * A BullMQ worker for the collect queue: checks each job against the catalog (name and payload; a job
 * that fails the check is unrecoverable), then runs its handler. Up to `concurrency` collections run
 * at once, so a slow or failing host holds one slot for at most one attempt's time limit.
 */
export function createWorker(deps: WorkerDeps): Worker<CollectJobData, CollectJobResult> {
  const { catalog, handlers, logger } = deps;
  const processor = async (
    job: Job<CollectJobData, CollectJobResult>,
    _token?: string,
    signal?: AbortSignal,
  ) => {
    if (!isJobName(job.name, catalog)) throw new UnrecoverableError(`unknown job "${job.name}"`);
    const spec = catalog[job.name];
    if (!spec.check(job.data)) throw new UnrecoverableError(`job ${job.id} has an invalid payload`);
    try {
      return await handlers[spec.name](job.data, {
        jobId: job.id ?? '',
        attempt: job.attemptsMade + 1,
        attempts: job.opts.attempts ?? 1,
        signal: signal ?? new AbortController().signal,
      });
    } catch (err: unknown) {
      // BullMQ stores the message (failedReason) and stack in the job's hash and its events stream.
      throw redactError(err);
    }
  };
  const worker = new Worker<CollectJobData, CollectJobResult>(deps.queueName, processor, {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: deps.options.concurrency,
    autorun: false,
    metrics: { maxDataPoints: deps.options.metricsMinutes },
    // The lock is renewed while a job runs; it only matters when a process dies mid-collection.
    lockDuration: Math.max(30_000, deps.options.timeoutMs + 10_000),
  });
  let lastError = 0;
  worker.on('error', (err) => {
    // Redis outages surface here on every retry; one line per 10 s is enough.
    if (Date.now() - lastError < 10_000) return;
    lastError = Date.now();
    logger.warn({ err: messageOf(err) }, 'collect worker error');
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (final)
      logger.warn(
        { jobId: job.id, org: job.data.org, host: job.data.host, reason: err.message },
        'collection failed',
      );
  });
  return worker;
}
