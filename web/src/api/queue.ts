import { api } from './client.ts';

/** `GET /api/v1/queues` (mirror of src/api/routes/collect.ts): the collect queue as the org sees it. */
export interface QueueFigures {
  readonly name: 'collect';
  /** Collection paused for this org (the queue keeps running for other orgs). */
  readonly paused: boolean;
  readonly pausedSince: number | null;
  readonly counts: {
    readonly waiting: number;
    readonly active: number;
    readonly delayed: number;
    readonly completed: number;
    readonly failed: number;
  };
  /** Hosts of the org with a collection schedule. */
  readonly schedulers: number;
  /** From BullMQ's own metrics, for the whole queue (every org). */
  readonly throughput: {
    readonly windowMinutes: number;
    readonly completed: number;
    readonly failed: number;
    readonly completedPerMinute: number;
    readonly failedPerMinute: number;
    readonly completedTotal: number;
    readonly failedTotal: number;
  };
}

/** `GET /api/v1/queues/collect/failed`: newest first, with the reason of the last attempt. */
export interface FailedJob {
  readonly id: string;
  readonly host: string;
  readonly trigger: 'schedule' | 'manual';
  readonly reason: string;
  readonly attemptsMade: number;
  readonly queuedAt: number;
  readonly failedAt: number | null;
}

export async function loadQueue(signal: AbortSignal): Promise<QueueFigures | undefined> {
  return (await api<{ queues: QueueFigures[] }>('/api/v1/queues', { signal })).queues[0];
}

export async function loadFailedJobs(signal: AbortSignal): Promise<FailedJob[]> {
  return (
    await api<{ jobs: FailedJob[] }>('/api/v1/queues/collect/failed', { signal, query: { limit: 100 } })
  ).jobs;
}

export function queueAction(action: 'pause' | 'resume' | 'clean'): Promise<unknown> {
  return api(`/api/v1/queues/collect/${action}`, { method: 'POST' });
}

/** Queues a collection of one host, or of every pulled host, ahead of the schedule. */
export function collectNow(host?: string): Promise<unknown> {
  return api(host ? `/api/v1/hosts/${encodeURIComponent(host)}/collect` : '/api/v1/collect', {
    method: 'POST',
  });
}
