/** How long finished jobs are kept, and how many (BullMQ evicts past either bound). */
export interface KeepPolicy {
  /** Age in ms past which a finished job may go. */
  readonly ageMs: number;
  /** Newest jobs kept whatever their age. */
  readonly count: number;
}

/** Tuning of pull collection. Every field has a default; the lead maps `VITALS_COLLECT_*` onto them. */
export interface CollectOptions {
  /** Run workers in this process (`VITALS_COLLECT_WORKERS`); schedules and control work either way. @defaultValue true */
  readonly runWorkers: boolean;
  /** Collections run at once per process (`VITALS_COLLECT_CONCURRENCY`). @defaultValue 5 */
  readonly concurrency: number;
  /** Attempts per collection, the first included (`VITALS_COLLECT_ATTEMPTS`). @defaultValue 3 */
  readonly attempts: number;
  /** First retry delay; each further retry doubles it: 5 s, 10 s, 20 s… (`VITALS_COLLECT_BACKOFF`). @defaultValue 5000 */
  readonly backoffMs: number;
  /** Time limit of one attempt, connection included (`VITALS_COLLECT_TIMEOUT`). @defaultValue 30000 */
  readonly timeoutMs: number;
  /** Removal policy of completed jobs (kept for the failed-jobs view and debugging). @defaultValue 24 h, 1000 */
  readonly keepCompleted: KeepPolicy;
  /** Removal policy of failed jobs. @defaultValue 7 d, 5000 */
  readonly keepFailed: KeepPolicy;
  /** What `clean` removes by default: completed older than 1 h beyond the newest 100 (`VITALS_COLLECT_CLEAN_COMPLETED_AGE`, `…_KEEP`). */
  readonly cleanCompleted: KeepPolicy;
  /** What `clean` removes by default: failed older than 24 h beyond the newest 500 (`VITALS_COLLECT_CLEAN_FAILED_AGE`, `…_KEEP`). */
  readonly cleanFailed: KeepPolicy;
  /** How often every process re-checks all schedules against the hosts (0 = only on changes and at start). @defaultValue 600 000 */
  readonly reconcileIntervalMs: number;
  /** Largest response a Prometheus target may send. @defaultValue 16 MiB */
  readonly maxResponseBytes: number;
  /** Minutes of BullMQ throughput figures kept. @defaultValue 1440 (a day) */
  readonly metricsMinutes: number;
}

export const DEFAULT_COLLECT_OPTIONS: CollectOptions = {
  runWorkers: true,
  concurrency: 5,
  attempts: 3,
  backoffMs: 5000,
  timeoutMs: 30_000,
  keepCompleted: { ageMs: 24 * 3_600_000, count: 1000 },
  keepFailed: { ageMs: 7 * 24 * 3_600_000, count: 5000 },
  cleanCompleted: { ageMs: 3_600_000, count: 100 },
  cleanFailed: { ageMs: 24 * 3_600_000, count: 500 },
  reconcileIntervalMs: 600_000,
  maxResponseBytes: 16 * 1024 * 1024,
  metricsMinutes: 1440,
};

export function collectOptions(overrides: Partial<CollectOptions> = {}): CollectOptions {
  const options = { ...DEFAULT_COLLECT_OPTIONS, ...overrides };
  if (!(options.attempts >= 1) || !(options.concurrency >= 1) || !(options.timeoutMs > 0)) {
    throw new RangeError('collect options: attempts, concurrency and timeoutMs must be positive');
  }
  return Object.freeze(options);
}
