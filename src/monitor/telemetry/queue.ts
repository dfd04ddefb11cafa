import type { Job, Queue } from 'bullmq';

/** Percentiles in milliseconds. */
export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/** The collection queue as a whole (every org), and how its recent jobs fared. */
export interface QueueStats {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly failed: number;
  readonly completed: number;
  /** From due to started, over the newest completed jobs (undefined: none yet). */
  readonly waitMs: Percentiles | undefined;
  /** From started to finished, over the newest completed jobs. */
  readonly processingMs: Percentiles | undefined;
  /** Jobs of the recent sample these percentiles come from. */
  readonly sampled: number;
  readonly waitSumMs: number;
  readonly processingSumMs: number;
  /** Failed ÷ finished over the last window (0 when nothing finished). */
  readonly failureRatio: number;
  readonly readAt: number;
}

/** Newest finished jobs read for the percentiles and the failure ratio. @defaultValue 200 */
const SAMPLE = 200;

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

function percentiles(values: number[]): Percentiles | undefined {
  if (values.length === 0) return undefined;
  const sorted = values.sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99) };
}

/** A job's wait: from when it was due (added + delay, so a scheduled run is not counted as waiting). */
function waitOf(job: Job): number | undefined {
  if (job.processedOn === undefined) return undefined;
  return Math.max(0, job.processedOn - (job.timestamp + (job.delay ?? 0)));
}

function processingOf(job: Job): number | undefined {
  if (job.processedOn === undefined || job.finishedOn === undefined) return undefined;
  return Math.max(0, job.finishedOn - job.processedOn);
}

const defined = (v: number | undefined): v is number => v !== undefined;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * Reads the queue's counts, the wait and processing percentiles of its newest completed jobs, and the
 * failure ratio of the jobs that finished within `windowMs`.
 */
export async function readQueueStats(queue: Queue, windowMs: number, now = Date.now()): Promise<QueueStats> {
  const [counts, completed, failed] = await Promise.all([
    queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed', 'completed'),
    queue.getJobs(['completed'], 0, SAMPLE - 1),
    queue.getJobs(['failed'], 0, SAMPLE - 1),
  ]);
  const jobs = completed.filter((j): j is Job => Boolean(j));
  const waits = jobs.map(waitOf).filter(defined);
  const processing = jobs.map(processingOf).filter(defined);
  const recent = (list: readonly (Job | undefined)[]) =>
    list.filter((j) => j?.finishedOn !== undefined && j.finishedOn >= now - windowMs).length;
  const ok = recent(completed);
  const bad = recent(failed);
  return {
    waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0),
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    failed: counts.failed ?? 0,
    completed: counts.completed ?? 0,
    waitSumMs: sum(waits),
    processingSumMs: sum(processing),
    sampled: jobs.length,
    waitMs: percentiles(waits),
    processingMs: percentiles(processing),
    failureRatio: ok + bad === 0 ? 0 : bad / (ok + bad),
    readAt: now,
  };
}

/**
 * The queue's figures for scrapes and self-metrics: read at most once per `maxAgeMs`, never waiting
 * longer than `timeoutMs` (Redis away or frozen: the last figures, or none).
 */
export class QueueWatch {
  private last: QueueStats | undefined;
  private reading: Promise<QueueStats | undefined> | undefined;

  constructor(
    private readonly read: () => Promise<QueueStats>,
    private readonly options: { maxAgeMs: number; timeoutMs: number; isReady: () => boolean },
  ) {}

  async current(): Promise<QueueStats | undefined> {
    if (this.last && Date.now() - this.last.readAt < this.options.maxAgeMs) return this.last;
    if (!this.options.isReady()) return this.last;
    this.reading ??= this.read()
      .then((stats) => {
        this.last = stats;
        return stats;
      })
      .catch(() => this.last)
      .finally(() => {
        this.reading = undefined;
      });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<QueueStats | undefined>((resolve) => {
      timer = setTimeout(() => resolve(this.last), this.options.timeoutMs);
    });
    try {
      return await Promise.race([this.reading, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
