import { Queue } from 'bullmq';
import { DELIVER_QUEUE } from '../alerts/index.ts';
import { COLLECT_QUEUE } from '../collect/index.ts';
import type { Logger } from '../config/index.ts';
import type { Keys, RedisClient } from '../redis/index.ts';
import type { CreatedOrg, DeletedOrg, Org, Tenancy } from '../tenancy/index.ts';
import { type PurgeCounts, purgeOrgData } from './org-data.ts';

export interface OrgAdminDeps {
  readonly tenancy: Tenancy;
  /**
   * A `request`-role connection. The queue handles get a duplicate of it: BullMQ defines its ~60
   * scripts on the connection it is given, and ioredis copies every defined script onto each pipeline
   * it creates (29 µs a pipeline instead of 2.7), which every request on this connection would pay.
   */
  readonly redis: RedisClient;
  readonly keys: Keys;
  /** `REDIS_CACHE_PREFIX`. */
  readonly cachePrefix: string;
  readonly logger: Logger;
}

export interface OrgAdminOptions {
  /**
   * How long after a deletion the org is swept once more, for what was in flight when it was deleted
   * (a push another process had already accepted, a collection running, events not yet flushed,
   * a token cached by a process that missed the revocation). 0: no second sweep (one-shot commands).
   * @defaultValue 30 000 ms: past the token cache (10 s), a collection's timeout and an event flush
   */
  readonly settleMs?: number;
}

/** An org as listed, with its number of hosts. */
export interface OrgSummary extends Org {
  readonly hosts: number;
}

export interface OrgList {
  readonly orgs: OrgSummary[];
  /** Deleted orgs whose data removal did not finish (Redis failed meanwhile): delete them again. */
  readonly deleting: DeletedOrg[];
}

/** What deleting an org removed. */
export interface OrgDeletion extends PurgeCounts {
  readonly org: DeletedOrg;
  readonly tokens: number;
  readonly hosts: number;
}

/**
 * The operator's view of orgs: create one with its first admin token, list them, delete one with
 * everything it holds. Tenancy removes the org, its tokens and hosts (`Tenancy.deleteOrg`); the data
 * is removed here (`purgeOrgData`), and again `settleMs` later.
 */
export class OrgAdmin {
  private readonly queues: { readonly collect: Queue; readonly deliver: Queue };
  private readonly settleMs: number;
  private readonly sweeps = new Map<string, NodeJS.Timeout>();
  private closed = false;
  private readonly connection: RedisClient;

  constructor(
    private readonly deps: OrgAdminDeps,
    options: OrgAdminOptions = {},
  ) {
    this.settleMs = options.settleMs ?? 30_000;
    this.connection = deps.redis.duplicate();
    const queue = (name: string) => {
      const q = new Queue(deps.keys.bullQueue(name), {
        connection: this.connection,
        prefix: deps.keys.bullPrefix(),
      });
      q.on('error', (err) => deps.logger.debug({ err: err.message }, 'org admin queue handle error'));
      return q;
    };
    this.queues = { collect: queue(COLLECT_QUEUE), deliver: queue(DELIVER_QUEUE) };
  }

  create(input: { id: string; name: string }): Promise<CreatedOrg> {
    return this.deps.tenancy.createOrgWithAdmin(input);
  }

  async list(): Promise<OrgList> {
    const { tenancy } = this.deps;
    const [orgs, deleted] = await Promise.all([tenancy.listOrgs(), tenancy.listDeletedOrgs()]);
    const counted = await Promise.all(
      orgs.map(async (org) => ({ ...org, hosts: await tenancy.countHosts(org.id) })),
    );
    return {
      orgs: counted.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)),
      deleting: deleted.filter((o) => o.purgedAt === undefined).sort((a, b) => a.deletedAt - b.deletedAt),
    };
  }

  /**
   * Deletes the org and everything it holds; throws `not_found` for an id never used and `conflict`
   * for the default org. On an org deleted before, removes whatever was written since.
   */
  async delete(id: string): Promise<OrgDeletion> {
    const result = await this.sweep(id);
    this.deps.logger.info(figures(result), 'org deleted');
    this.settleLater(id);
    return result;
  }

  /** Cancels pending sweeps and closes the queue handles. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.sweeps.values()) clearTimeout(timer);
    this.sweeps.clear();
    await Promise.all([this.queues.collect.close(), this.queues.deliver.close()]).catch(() => undefined);
    this.connection.disconnect();
  }

  private async sweep(id: string): Promise<OrgDeletion> {
    const removal = await this.deps.tenancy.deleteOrg(id);
    const counts = await purgeOrgData({ ...this.deps, queues: this.queues }, id, removal.hosts);
    await this.deps.tenancy.markOrgPurged(id);
    return { org: removal.org, tokens: removal.tokens, hosts: removal.hosts.length, ...counts };
  }

  private settleLater(id: string): void {
    if (this.settleMs <= 0 || this.closed) return;
    clearTimeout(this.sweeps.get(id));
    const timer = setTimeout(() => {
      this.sweeps.delete(id);
      this.sweep(id).then(
        (late) => {
          if (late.tokens + late.hosts + late.keys + late.jobs > 0)
            this.deps.logger.info(figures(late), 'deleted org swept again: removed what was in flight');
        },
        (err: unknown) =>
          this.deps.logger.warn({ err, org: id }, 'second sweep of a deleted org failed; delete it again'),
      );
    }, this.settleMs);
    timer.unref();
    this.sweeps.set(id, timer);
  }
}

/** A deletion as logged: counts only. */
function figures(d: OrgDeletion) {
  return { org: d.org.id, tokens: d.tokens, hosts: d.hosts, keys: d.keys, jobs: d.jobs };
}
