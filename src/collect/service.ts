import { Queue } from 'bullmq';
import { type Cache, overviewNamespace } from '../cache/index.ts';
import type { Logger } from '../config/index.ts';
import { type ConnectionDeps, createRedis, type Keys } from '../redis/index.ts';
import type { SampleWriter } from '../tsdb/index.ts';
import { type CollectJobData, type CollectJobResult, jobCatalog } from './catalog.ts';
import { type Collection, CollectionService } from './collection.ts';
import type { Collector, PullKind } from './collector.ts';
import { CollectControl } from './control.ts';
import { messageOf } from './errors.ts';
import { CollectionEvents } from './events.ts';
import type { HostSource } from './hosts.ts';
import { type CollectOptions, collectOptions } from './options.ts';
import { PrometheusCollector } from './prometheus.ts';
import { RedisInfoCollector } from './redis-info.ts';
import { collectHandler } from './runner.ts';
import { ScheduleReconciler } from './scheduler.ts';
import { SshCollector } from './ssh.ts';
import { PausedOrgs } from './state.ts';

/** Cache namespace of an org's overview (as `src/api/routes/overview.ts` names it). */
/** Cache namespace of the latest collected values of an org's hosts (id = host id, value `{at, values}`). */

export const COLLECT_QUEUE = 'collect';

export interface CollectionDeps {
  /** Redis settings: the collection opens its own connections (queue: fail fast; worker: blocking) and closes them. */
  readonly connection: ConnectionDeps;
  readonly keys: Keys;
  /** Tenancy (or anything with its host methods). */
  readonly hosts: HostSource;
  readonly writer: Pick<SampleWriter, 'write' | 'timeBounds'>;
  readonly cache: Pick<Cache, 'set' | 'invalidate'>;
  readonly logger: Logger;
  /** @defaultValue `Date.now` */
  readonly now?: () => number;
  /** @defaultValue ssh, prometheus and redis */
  readonly collectors?: readonly Collector[];
}

function collectorMap(deps: CollectionDeps, options: CollectOptions): Map<PullKind, Collector> {
  const all = deps.collectors ?? [
    new SshCollector(),
    new PrometheusCollector(options.maxResponseBytes),
    new RedisInfoCollector(),
  ];
  return new Map(all.map((c) => [c.kind, c]));
}

/**
 * Builds pull collection: the queue (on its own fail-fast connection, so control requests never hang on
 * a missing Redis), schedules, control, and the handler workers run. Nothing runs before `start()`.
 */
export function createCollection(deps: CollectionDeps, overrides: Partial<CollectOptions> = {}): Collection {
  const options = collectOptions(overrides);
  const logger = deps.logger.child({ component: 'collect' });
  const now = deps.now ?? Date.now;
  const catalog = jobCatalog(options);
  const redis = createRedis(deps.connection, 'request', 'collect');
  const prefix = deps.keys.bullPrefix();
  const queueName = deps.keys.bullQueue(COLLECT_QUEUE);
  const queue = new Queue<CollectJobData, CollectJobResult>(queueName, { connection: redis, prefix });
  queue.on('error', (err) => logger.debug({ err: messageOf(err) }, 'collect queue error'));
  const paused = new PausedOrgs(redis, deps.keys);
  const scheduler = new ScheduleReconciler({ queue, hosts: deps.hosts, paused, catalog, logger });
  const clean = { completed: options.cleanCompleted, failed: options.cleanFailed };
  const control = new CollectControl({
    queue,
    redis,
    hosts: deps.hosts,
    paused,
    scheduler,
    catalog,
    clean,
    now,
  });
  const events = new CollectionEvents(logger);
  const collectors = collectorMap(deps, options);
  const handler = collectHandler({
    ...deps,
    ...{ paused, collectors, redis, events, options, logger, now, overviewNamespace },
  });
  return new CollectionService({
    ...{ connection: deps.connection, hosts: deps.hosts, queue, queueName, prefix, redis },
    ...{ scheduler, control, events, catalog, handlers: { collect: handler }, options, logger },
  });
}
