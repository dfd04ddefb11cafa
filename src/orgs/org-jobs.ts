import type { JobType, Queue } from 'bullmq';

/** Every state a job can wait (a paused queue keeps its jobs in `wait`), run or rest in. */
const JOB_STATES: readonly JobType[] = [
  'wait',
  'prioritized',
  'delayed',
  'waiting-children',
  'active',
  'completed',
  'failed',
];

/** Which schedulers and jobs of a queue belong to one org (ids carry the org, see the queue's catalog). */
export interface JobOwnership {
  readonly scheduler: (key: string) => boolean;
  readonly job: (id: string) => boolean;
}

/**
 * Removes the org's job schedulers, then its jobs, from one queue (queues are shared by every org).
 * A job running now keeps its lock and cannot be removed: it finishes, and the next sweep removes it.
 * Answers how many schedulers and jobs went.
 */
export async function removeOrgJobs(queue: Queue, owns: JobOwnership): Promise<number> {
  let removed = 0;
  for (const scheduler of await queue.getJobSchedulers(0, -1, true)) {
    if (owns.scheduler(scheduler.key) && (await queue.removeJobScheduler(scheduler.key))) removed++;
  }
  const ids = new Set(await queue.getRanges([...JOB_STATES], 0, -1, true));
  for (const id of ids) if (owns.job(id)) removed += await queue.remove(id);
  return removed;
}
