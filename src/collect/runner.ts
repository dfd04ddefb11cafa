import { UnrecoverableError } from 'bullmq';
import type { Cache } from '../cache/index.ts';
import type { Logger } from '../config/index.ts';
import { containsSealed, redactText, secretValues } from '../contract/index.ts';
import type { Keys, RedisClient } from '../redis/index.ts';
import { SampleRejectedError, type SampleWriter } from '../tsdb/index.ts';
import type { CollectJobData, CollectJobResult, JobRun } from './catalog.ts';
import type { Collector, PullKind, SampleSet } from './collector.ts';
import { CollectError, messageOf } from './errors.ts';
import type { CollectionEvent, CollectionEvents } from './events.ts';
import { type CollectHost, type HostSource, notPulled } from './hosts.ts';
import type { CollectOptions } from './options.ts';
import { effectiveTimeout } from './settings.ts';
import { type PausedOrgs, redisHostState } from './state.ts';

export interface RunnerDeps {
  readonly hosts: HostSource;
  readonly paused: PausedOrgs;
  readonly collectors: ReadonlyMap<PullKind, Collector>;
  readonly writer: Pick<SampleWriter, 'write' | 'timeBounds'>;
  readonly cache: Pick<Cache, 'set' | 'invalidate'>;
  /** A request-role connection for the collectors' per-host state. */
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly events: CollectionEvents;
  readonly options: CollectOptions;
  readonly logger: Logger;
  readonly now: () => number;
  /** Cache namespace of an org's overview, dropped after each collection. */
  readonly overviewNamespace: (org: string) => string;
}

/** Runs `work` with a signal that aborts after `ms` (or with `outer`); rejects at the deadline even if `work` ignores it. */
async function withTimeout<T>(
  ms: number,
  outer: AbortSignal,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const timer = setTimeout(abort, ms);
  outer.addEventListener('abort', abort, { once: true });
  const deadline = new Promise<never>((_, reject) => {
    controller.signal.addEventListener(
      'abort',
      () => reject(new CollectError('timeout', `no answer within ${ms} ms`)),
      { once: true },
    );
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
    outer.removeEventListener('abort', abort);
  }
}

function storageError(err: unknown): CollectError {
  if (err instanceof CollectError) return err;
  if (err instanceof SampleRejectedError)
    return new CollectError('storage', `storage refused the samples: ${err.message}`, { retryable: false });
  return new CollectError('storage', `storing failed: ${messageOf(err)}`, { cause: err });
}

interface Attempt {
  readonly data: CollectJobData;
  readonly run: JobRun;
  readonly collector: Collector;
  /** `performance.now()` at the start. */
  readonly started: number;
}

type Outcome = { readonly samples: number; readonly note?: string } | { readonly error: CollectError };

/** The attempt as a connection event: `final` once no further attempt follows. */
function eventOf(deps: RunnerDeps, a: Attempt, outcome: Outcome): CollectionEvent {
  const error = 'error' in outcome ? outcome.error : undefined;
  const message = error ? error.message : 'note' in outcome ? outcome.note : undefined;
  return {
    type: a.collector.connection,
    org: a.data.org,
    host: a.data.host,
    at: deps.now(),
    status: error ? 'error' : 'ok',
    latencyMs: Math.round(performance.now() - a.started),
    ...(message !== undefined && { message }),
    meta: {
      jobId: a.run.jobId,
      trigger: a.data.trigger,
      attempt: a.run.attempt,
      attempts: a.run.attempts,
      final: !error?.retryable || a.run.attempt >= a.run.attempts,
      ...('samples' in outcome && { samples: outcome.samples }),
      ...(error && { reason: error.reason }),
    },
  };
}

function noteOf(set: SampleSet): string | undefined {
  if (set.dropped + set.invalid === 0) return undefined;
  return `${set.invalid} unreadable and ${set.dropped} out-of-range samples left out`;
}

/**
 * The handler of `collect` jobs: re-reads the host (it may have changed or gone since the job was
 * queued), collects with a time limit, stores, caches the latest values, drops the org's overview and
 * tells the event listeners. Errors no retry can fix become `UnrecoverableError`: BullMQ fails the job
 * at once instead of retrying.
 */
export function collectHandler(
  deps: RunnerDeps,
): (data: CollectJobData, run: JobRun) => Promise<CollectJobResult> {
  return async (data, run) => {
    if ((await deps.paused.since(data.org)) !== undefined)
      return { status: 'skipped', reason: 'collection is paused for the org' };
    const host = await deps.hosts.getHost(data.org, data.host);
    const why = notPulled(host);
    const collector = host && deps.collectors.get(host.collector.kind as PullKind);
    if (why !== undefined || !host || !collector) return { status: 'skipped', reason: why ?? 'no collector' };
    const attempt: Attempt = { data, run, collector, started: performance.now() };
    try {
      const set = await collectOnce(deps, data.org, host, collector, run.signal);
      await store(deps, data.org, data.host, set);
      const note = noteOf(set);
      deps.events.emit(eventOf(deps, attempt, { samples: set.size, ...(note !== undefined && { note }) }));
      return {
        status: 'collected',
        samples: set.size,
        durationMs: Math.round(performance.now() - attempt.started),
      };
    } catch (err: unknown) {
      const error = withoutSecrets(err instanceof CollectError ? err : storageError(err), host);
      deps.events.emit(eventOf(deps, attempt, { error }));
      throw error.retryable ? error : new UnrecoverableError(error.message);
    }
  };
}

/**
 * The error as it may be stored and shown: the host's own secret values cut out of the message (on top
 * of the redaction every CollectError gets), and no `cause`, whose message may quote them.
 */
function withoutSecrets(error: CollectError, host: CollectHost): CollectError {
  const known = secretValues(host.collector.settings);
  if (known.length === 0 && error.cause === undefined) return error;
  return new CollectError(error.reason, redactText(error.message, known), { retryable: error.retryable });
}

function collectOnce(
  deps: RunnerDeps,
  org: string,
  host: CollectHost,
  collector: Collector,
  signal: AbortSignal,
): Promise<SampleSet> {
  if (containsSealed(host.collector.settings)) {
    // A secret no configured key opens: another VITALS_SECRET_KEY sealed it, or the key was lost.
    throw new CollectError(
      'settings',
      'collector secrets cannot be decrypted with this VITALS_SECRET_KEY (lost, changed, or different in another process); enter them again',
    );
  }
  const timeoutMs = effectiveTimeout(deps.options.timeoutMs, host.collector.settings);
  // State outlives a few missed intervals, so one failed collection does not lose the rates.
  const stateTtlMs = Math.max(2 * 3_600_000, 4 * host.metricsInterval * 1000);
  return withTimeout(timeoutMs, signal, (attemptSignal) =>
    collector.collect({
      org,
      hostId: host.id,
      settings: host.collector.settings,
      signal: attemptSignal,
      timeoutMs,
      now: deps.now,
      state: redisHostState(deps.redis, deps.keys, org, host.id, stateTtlMs),
      bounds: deps.writer.timeBounds(deps.now()),
    }),
  );
}

async function store(deps: RunnerDeps, org: string, hostId: string, set: SampleSet): Promise<void> {
  if (set.size > 0) {
    try {
      await deps.writer.write([set.batch(org, hostId)]);
    } catch (err: unknown) {
      throw storageError(err);
    }
  }
  // The cache never fails its caller; a Redis outage only makes this a no-op. The host's newest values
  // need no cache of their own: the store keeps them per host (its `latest` hash and hot tier).
  await deps.cache.invalidate(deps.overviewNamespace(org), 'all');
}
