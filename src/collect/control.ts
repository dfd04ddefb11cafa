import type { Queue } from 'bullmq';
import { redactText } from '../contract/index.ts';
import type { RedisClient } from '../redis/index.ts';
import { type CollectJobData, type CollectJobResult, type JobCatalog, PRIORITY } from './catalog.ts';
import { CollectControlError } from './errors.ts';
import { type HostSource, notPulled } from './hosts.ts';
import { manualJobId, ownedBy } from './job-ids.ts';
import type { KeepPolicy } from './options.ts';
import { type QueueFigures, queueFigures } from './queue-figures.ts';
import type { ScheduleReconciler } from './scheduler.ts';
import type { PausedOrgs } from './state.ts';

export interface ControlDeps {
  readonly queue: Queue<CollectJobData, CollectJobResult>;
  /** The queue's own connection, for reading its finished sets with their scores. */
  readonly redis: RedisClient;
  readonly hosts: HostSource;
  readonly paused: PausedOrgs;
  readonly scheduler: ScheduleReconciler;
  readonly catalog: JobCatalog;
  readonly clean: { readonly completed: KeepPolicy; readonly failed: KeepPolicy };
  readonly now: () => number;
}

export interface QueuedCollection {
  readonly host: string;
  readonly jobId: string;
  /** True when a manual collection of the host was already queued: that job answers for this one. */
  readonly deduplicated: boolean;
}

export interface CollectAllResult {
  readonly queued: QueuedCollection[];
  readonly skipped: { readonly host: string; readonly reason: string }[];
}

export interface FailedJob {
  readonly id: string;
  readonly host: string;
  readonly trigger: 'schedule' | 'manual';
  readonly reason: string;
  readonly attemptsMade: number;
  readonly queuedAt: number;
  readonly failedAt: number | null;
}

export interface CleanResult {
  readonly completed: number;
  readonly failed: number;
}

/**
 * Operator control of pull collection, always within one org: a token sees and triggers its own org's
 * jobs only, and pausing stops its own org's collection only (the BullMQ queue is shared by all orgs).
 */
export class CollectControl {
  constructor(private readonly deps: ControlDeps) {}

  /** Queues one host now, ahead of scheduled runs. 404 unknown, 409 not a pulled host or org paused. */
  async collectHost(org: string, hostId: string): Promise<QueuedCollection> {
    await this.refuseWhenPaused(org);
    const host = await this.deps.hosts.getHost(org, hostId);
    if (!host) throw new CollectControlError('not_found', `host "${hostId}" not found`);
    const why = notPulled(host);
    if (why !== undefined)
      throw new CollectControlError('conflict', `host "${hostId}" is not collected by pull: ${why}`);
    const [queued] = await this.enqueue(org, [hostId]);
    if (!queued) throw new Error('the queue accepted no job');
    return queued;
  }

  /** Queues every pulled host of the org now; the others are listed with the reason. */
  async collectAll(org: string): Promise<CollectAllResult> {
    await this.refuseWhenPaused(org);
    const skipped: CollectAllResult['skipped'] = [];
    const ids: string[] = [];
    for (const host of await this.deps.hosts.listHosts(org)) {
      const why = notPulled(host);
      if (why === undefined) ids.push(host.id);
      else if (host.collector.kind !== 'push') skipped.push({ host: host.id, reason: why });
    }
    return { queued: await this.enqueue(org, ids), skipped };
  }

  figures(org: string): Promise<QueueFigures> {
    return queueFigures(this.deps.queue, this.deps.paused, this.deps.scheduler, org);
  }

  /** Stops the org's collection: its schedules go, queued jobs are skipped when they come up. */
  async pause(org: string): Promise<void> {
    await this.deps.paused.pause(org, this.deps.now());
    await this.deps.scheduler.removeOrg(org);
  }

  async resume(org: string): Promise<void> {
    await this.deps.paused.resume(org);
    await this.deps.scheduler.reconcileOrg(org);
  }

  /** Failed jobs of the org, newest first, with the reason of their last attempt. */
  async failed(org: string, limit: number): Promise<FailedJob[]> {
    const ids = (await this.deps.queue.getRanges(['failed'], 0, -1, false))
      .filter(ownedBy(org))
      .slice(0, limit);
    const jobs = await Promise.all(ids.map((id) => this.deps.queue.getJob(id)));
    return jobs.flatMap((job) =>
      job?.id === undefined
        ? []
        : [
            {
              id: job.id,
              host: job.data.host,
              trigger: job.data.trigger,
              // Redacted again when read: jobs may have failed before a redaction rule existed.
              reason: redactText(job.failedReason ?? ''),
              attemptsMade: job.attemptsMade,
              queuedAt: job.timestamp,
              failedAt: job.finishedOn ?? null,
            },
          ],
    );
  }

  /** Removes the org's finished jobs past the policy (defaults: completed > 1 h beyond 100, failed > 24 h beyond 500). */
  async clean(
    org: string,
    policy: { completed?: Partial<KeepPolicy>; failed?: Partial<KeepPolicy> } = {},
  ): Promise<CleanResult> {
    const completed = await this.cleanSet(org, 'completed', {
      ...this.deps.clean.completed,
      ...policy.completed,
    });
    const failed = await this.cleanSet(org, 'failed', { ...this.deps.clean.failed, ...policy.failed });
    return { completed, failed };
  }

  private async cleanSet(org: string, set: 'completed' | 'failed', policy: KeepPolicy): Promise<number> {
    const key = this.deps.queue.keys[set];
    if (!key) return 0;
    // Finished sets are scored by finish time; newest first, so the first `count` of the org are kept.
    const flat = await this.deps.redis.zrevrange(key, 0, -1, 'WITHSCORES');
    const mine = ownedBy(org);
    const cutoff = this.deps.now() - policy.ageMs;
    let kept = 0;
    let removed = 0;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const id = flat[i] ?? '';
      if (!mine(id)) continue;
      if (kept < policy.count || Number(flat[i + 1]) >= cutoff) {
        kept++;
        continue;
      }
      removed += await this.deps.queue.remove(id);
    }
    return removed;
  }

  private async refuseWhenPaused(org: string): Promise<void> {
    if ((await this.deps.paused.since(org)) !== undefined) {
      throw new CollectControlError('conflict', 'collection is paused for this org; resume it first');
    }
  }

  private async enqueue(org: string, hostIds: readonly string[]): Promise<QueuedCollection[]> {
    const { queue, catalog } = this.deps;
    const jobs = hostIds.map((host) => ({
      name: catalog.collect.name,
      data: { org, host, trigger: 'manual' as const },
      opts: {
        ...catalog.collect.options,
        priority: PRIORITY.manual,
        jobId: manualJobId(org, host, this.deps.now()),
        // While a manual run of the host is queued or running, asking again returns that job.
        deduplication: { id: `now/${org}/${host}` },
      },
    }));
    const added = await queue.addBulk(jobs);
    return added.map((job, i) => ({
      host: hostIds[i] ?? job.data.host,
      jobId: job.id ?? '',
      deduplicated: job.id !== jobs[i]?.opts.jobId,
    }));
  }
}
