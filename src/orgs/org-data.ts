import type { Queue } from 'bullmq';
import { alertDataKeys, isDeliveryJobOf } from '../alerts/index.ts';
import { entryKey, groupKey, overviewNamespace, queryGroup } from '../cache/index.ts';
import { jobOwner, schedulerOwner } from '../collect/index.ts';
import { eventDataKeys } from '../events/index.ts';
import { execGrouped, type Keys, type PipelineOp, type RedisClient } from '../redis/index.ts';
import { hostDataKeys, indexedHosts } from '../tsdb/index.ts';
import { removeOrgJobs } from './org-jobs.ts';

/** Commands per pipeline while deleting. */
const BATCH = 1000;
/** Hosts whose keys are listed and deleted at the same time. */
const HOSTS_AT_ONCE = 8;

export interface OrgDataDeps {
  readonly redis: RedisClient;
  readonly keys: Keys;
  /** `REDIS_CACHE_PREFIX`. */
  readonly cachePrefix: string;
  /** Handles on the shared queues whose jobs carry org ids. */
  readonly queues: { readonly collect: Queue; readonly deliver: Queue };
}

export interface PurgeCounts {
  /** Keys deleted. */
  readonly keys: number;
  /** Job schedulers and jobs removed. */
  readonly jobs: number;
}

/**
 * Deletes everything stored for the org outside tenancy: its collection schedules and queued jobs
 * first (so no collection writes meanwhile), then each host's samples, collector state and cached
 * answers, then its alerting, events, caches and counters, and last its entries in the shared
 * indexes. Keys are found through the indexes that list them (no key SCAN: the least-privilege Redis
 * user may not run one, and it would walk the whole server) and deleted with UNLINK in pipelines
 * grouped by Cluster slot. Safe to repeat: a second run finds what was written meanwhile, or nothing.
 * Idempotency records (`REDIS_IDEMPOTENCY_PREFIX`) are listed nowhere: they expire on their own.
 */
export async function purgeOrgData(
  deps: OrgDataDeps,
  org: string,
  knownHosts: readonly string[],
): Promise<PurgeCounts> {
  const { redis, keys } = deps;
  const jobs =
    (await removeOrgJobs(deps.queues.collect, {
      scheduler: (key) => schedulerOwner(key)?.org === org,
      job: (id) => jobOwner(id)?.org === org,
    })) +
    (await removeOrgJobs(deps.queues.deliver, {
      scheduler: () => false,
      job: (id) => isDeliveryJobOf(org, id),
    }));
  const hosts = [...new Set([...knownHosts, ...(await indexedHosts(redis, keys, org))])];
  let removed = 0;
  for (let i = 0; i < hosts.length; i += HOSTS_AT_ONCE) {
    const counts = await Promise.all(
      hosts.slice(i, i + HOSTS_AT_ONCE).map(async (host) => unlink(redis, await hostKeys(deps, org, host))),
    );
    removed += counts.reduce((sum, n) => sum + n, 0);
  }
  removed += await unlink(redis, await orgKeys(deps, org));
  await unlist(deps, org, hosts);
  return { keys: removed, jobs };
}

/** A host's samples, its pull collector's state and its cached query answers. */
async function hostKeys(deps: OrgDataDeps, org: string, host: string): Promise<string[]> {
  const { redis, keys } = deps;
  return [
    ...(await hostDataKeys(redis, keys, org, host)),
    keys.collectState(org, host),
    groupKey(keys.cache(deps.cachePrefix), queryGroup(org, host)),
  ];
}

/** The org's own keys outside its hosts. */
async function orgKeys(deps: OrgDataDeps, org: string): Promise<string[]> {
  const { redis, keys } = deps;
  return [
    keys.orgSeriesCount(org),
    keys.orgRateLimit(org),
    // The overview's one entry (`routes/overview.ts` caches it under the id 'all').
    entryKey(keys.cache(deps.cachePrefix), overviewNamespace(org), 'all'),
    ...(await alertDataKeys(redis, keys, org)),
    ...(await eventDataKeys(redis, keys, org)),
  ];
}

/** The org's members of shared keys: the hosts index, the orgs with alerts or events, paused orgs. */
async function unlist(deps: OrgDataDeps, org: string, hosts: readonly string[]): Promise<void> {
  const { redis, keys } = deps;
  const ops: PipelineOp[] = [
    { key: keys.alertOrgs(), add: (p) => p.srem(keys.alertOrgs(), org) },
    { key: keys.eventOrgs(), add: (p) => p.srem(keys.eventOrgs(), org) },
    { key: keys.collectPaused(), add: (p) => p.hdel(keys.collectPaused(), org) },
  ];
  for (let i = 0; i < hosts.length; i += BATCH) {
    const members = hosts.slice(i, i + BATCH).map((host) => `${org}:${host}`);
    ops.push({ key: keys.hostsIndex(), add: (p) => p.zrem(keys.hostsIndex(), ...members) });
  }
  await execGrouped(redis, ops);
}

/** UNLINKs the keys in pipelines (grouped by slot on a Cluster); answers how many existed. */
async function unlink(redis: RedisClient, names: readonly string[]): Promise<number> {
  let removed = 0;
  for (let i = 0; i < names.length; i += BATCH) {
    const ops = names.slice(i, i + BATCH).map((key): PipelineOp => ({ key, add: (p) => p.unlink(key) }));
    const replies = await execGrouped(redis, ops);
    removed += replies.reduce<number>((sum, n) => sum + Number(n), 0);
  }
  return removed;
}
