import type { JobType, Metrics, Queue } from 'bullmq';
import { ownedBy } from './job-ids.ts';
import type { ScheduleReconciler } from './scheduler.ts';
import type { PausedOrgs } from './state.ts';

export interface QueueCounts {
  /** Queued and ready to run (BullMQ's wait and prioritized lists). */
  readonly waiting: number;
  readonly active: number;
  /** Waiting for their time: the next scheduled run of each host, and retries in backoff. */
  readonly delayed: number;
  readonly completed: number;
  readonly failed: number;
}

export interface Throughput {
  /** Minutes covered (the newest first). */
  readonly windowMinutes: number;
  readonly completed: number;
  readonly failed: number;
  readonly completedPerMinute: number;
  readonly failedPerMinute: number;
  /** Finished since the queue's metrics began. */
  readonly completedTotal: number;
  readonly failedTotal: number;
}

export interface QueueFigures {
  readonly name: 'collect';
  /** Whether collection is paused for the org (the queue itself keeps running for other orgs). */
  readonly paused: boolean;
  readonly pausedSince: number | null;
  /** Jobs of the org's hosts. */
  readonly counts: QueueCounts;
  /** Hosts of the org with a collection schedule. */
  readonly schedulers: number;
  /** Finished jobs per minute from BullMQ's own metrics, for the whole queue (all orgs together). */
  readonly throughput: Throughput;
}

const WINDOW_MINUTES = 60;

async function countOwned(queue: Queue, types: JobType[], mine: (id: string) => boolean): Promise<number> {
  // Ids only (no job bodies): cheap even for the thousands of finished jobs the removal policy keeps.
  return (await queue.getRanges(types, 0, -1)).filter(mine).length;
}

/**
 * BullMQ's metrics keep one count per finished minute (pushed when a later job finishes) plus a running
 * total; the minute in progress is the total minus the count at the last push.
 */
function recent(metrics: Metrics): { window: number; total: number } {
  const current = Math.max(0, metrics.meta.count - metrics.meta.prevCount);
  const past = metrics.data
    .slice(0, WINDOW_MINUTES - 1)
    .reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return { window: current + past, total: metrics.meta.count };
}

async function throughput(queue: Queue): Promise<Throughput> {
  const [completed, failed] = await Promise.all([
    queue.getMetrics('completed', 0, WINDOW_MINUTES - 1),
    queue.getMetrics('failed', 0, WINDOW_MINUTES - 1),
  ]);
  const c = recent(completed);
  const f = recent(failed);
  const perMinute = (v: number) => Math.round((v / WINDOW_MINUTES) * 100) / 100;
  return {
    windowMinutes: WINDOW_MINUTES,
    completed: c.window,
    failed: f.window,
    completedPerMinute: perMinute(c.window),
    failedPerMinute: perMinute(f.window),
    completedTotal: c.total,
    failedTotal: f.total,
  };
}

/** The collect queue as one org sees it. */
export async function queueFigures(
  queue: Queue,
  paused: PausedOrgs,
  scheduler: ScheduleReconciler,
  org: string,
): Promise<QueueFigures> {
  const mine = ownedBy(org);
  const [waiting, active, delayed, completed, failed, schedulers, since, rate] = await Promise.all([
    countOwned(queue, ['wait', 'prioritized'], mine),
    countOwned(queue, ['active'], mine),
    countOwned(queue, ['delayed'], mine),
    countOwned(queue, ['completed'], mine),
    countOwned(queue, ['failed'], mine),
    scheduler.schedulers(org),
    paused.since(org),
    throughput(queue),
  ]);
  return {
    name: 'collect',
    paused: since !== undefined,
    pausedSince: since ?? null,
    counts: { waiting, active, delayed, completed, failed },
    schedulers: schedulers.length,
    throughput: rate,
  };
}
