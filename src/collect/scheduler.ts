import type { JobSchedulerJson, Queue } from 'bullmq';
import type { Logger } from '../config/index.ts';
import { type CollectJobData, type JobCatalog, PRIORITY } from './catalog.ts';
import { type CollectHost, type HostSource, notPulled } from './hosts.ts';
import { schedulerId, schedulerOwner } from './job-ids.ts';
import type { PausedOrgs } from './state.ts';

export interface SchedulerDeps {
  readonly queue: Queue<CollectJobData>;
  readonly hosts: HostSource;
  readonly paused: PausedOrgs;
  readonly catalog: JobCatalog;
  readonly logger: Logger;
}

type Outcome = 'scheduled' | 'removed' | 'unchanged';

export interface ReconcileResult {
  readonly scheduled: number;
  readonly removed: number;
}

/**
 * Keeps one BullMQ job scheduler per collected host (enabled, pull collector, org not paused), every
 * `metricsInterval` seconds, and none for any other. Schedulers live in Redis, so every process sees
 * the same ones, and BullMQ hands each scheduled run to exactly one worker. Work per host is
 * serialised and always starts from the host as stored now, so concurrent changes settle right.
 */
export class ScheduleReconciler {
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: SchedulerDeps) {}

  /** Re-reads the host and fixes its scheduler (created, changed, disabled, deleted…). */
  reconcileHost(org: string, hostId: string): Promise<Outcome> {
    return this.serial(schedulerId(org, hostId), async () => {
      const [host, paused] = await Promise.all([
        this.deps.hosts.getHost(org, hostId, { fresh: true }),
        this.deps.paused.since(org),
      ]);
      return this.apply(org, hostId, paused === undefined ? host : undefined);
    });
  }

  /** Every host of every org, and schedulers whose host went away. Run at start-up and periodically. */
  async reconcileAll(): Promise<ReconcileResult> {
    const orgs = await this.deps.hosts.listOrgs();
    const paused = await this.deps.paused.all();
    const wanted = new Set<string>();
    let scheduled = 0;
    for (const { id: org } of orgs) {
      const hosts = paused.has(org) ? [] : await this.deps.hosts.listHosts(org, { fresh: true });
      for (const host of hosts) {
        if (notPulled(host) !== undefined) continue;
        wanted.add(schedulerId(org, host.id));
        await this.serial(schedulerId(org, host.id), () => this.apply(org, host.id, host));
        scheduled++;
      }
    }
    let removed = 0;
    for (const scheduler of await this.schedulers()) {
      const owner = schedulerOwner(scheduler.key);
      if (!owner || wanted.has(scheduler.key)) continue;
      // Re-read: the host may have been created since the list above was taken.
      if ((await this.reconcileHost(owner.org, owner.host)) === 'removed') removed++;
    }
    return { scheduled, removed };
  }

  /** Removes every scheduler of an org (pause); `reconcileOrg` puts them back. */
  async removeOrg(org: string): Promise<number> {
    const mine = (await this.schedulers(org)).map((s) => s.key);
    for (const id of mine)
      await this.serial(id, () => this.deps.queue.removeJobScheduler(id).then(() => 'removed' as const));
    return mine.length;
  }

  async reconcileOrg(org: string): Promise<void> {
    const [hosts, scheduled] = await Promise.all([
      this.deps.hosts.listHosts(org, { fresh: true }),
      this.schedulers(org),
    ]);
    const ids = new Set([
      ...hosts.map((h) => h.id),
      ...scheduled.flatMap((s) => schedulerOwner(s.key)?.host ?? []),
    ]);
    for (const id of ids) await this.reconcileHost(org, id);
  }

  /** Schedulers made by this module, of one org or all. */
  async schedulers(org?: string): Promise<JobSchedulerJson<CollectJobData>[]> {
    const all = await this.deps.queue.getJobSchedulers(0, -1, true);
    return all.filter((s) => {
      const owner = schedulerOwner(s.key);
      return owner !== undefined && (org === undefined || owner.org === org);
    });
  }

  private async apply(org: string, hostId: string, host: CollectHost | undefined): Promise<Outcome> {
    const id = schedulerId(org, hostId);
    const { queue, catalog } = this.deps;
    if (!host || notPulled(host) !== undefined) {
      if (!(await queue.removeJobScheduler(id))) return 'unchanged';
      this.deps.logger.info({ org, host: hostId }, 'collection schedule removed');
      return 'removed';
    }
    const every = host.metricsInterval * 1000;
    const data: CollectJobData = { org, host: hostId, trigger: 'schedule' };
    const opts = { ...catalog.collect.options, priority: PRIORITY.schedule };
    const existing = await queue.getJobScheduler(id);
    if (existing && existing.every === every && sameTemplate(existing, data, opts)) return 'unchanged';
    await queue.upsertJobScheduler(id, { every }, { name: catalog.collect.name, data, opts });
    this.deps.logger.info({ org, host: hostId, everyS: host.metricsInterval }, 'collection scheduled');
    return 'scheduled';
  }

  private serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const next = (this.chains.get(key) ?? Promise.resolve()).then(work);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(key, settled);
    void settled.then(() => {
      if (this.chains.get(key) === settled) this.chains.delete(key);
    });
    return next;
  }
}

function sameTemplate(
  existing: JobSchedulerJson<CollectJobData>,
  data: CollectJobData,
  opts: object,
): boolean {
  const stored = existing.template;
  if (JSON.stringify(stored?.data) !== JSON.stringify(data)) return false;
  const fields = ['attempts', 'backoff', 'priority', 'removeOnComplete', 'removeOnFail'] as const;
  return fields.every((f) => JSON.stringify(stored?.opts?.[f]) === JSON.stringify(Reflect.get(opts, f)));
}
