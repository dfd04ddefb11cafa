import type { JobsOptions } from 'bullmq';
import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { ID_PATTERN } from '../contract/index.ts';
import type { CollectOptions } from './options.ts';

/**
 * The job catalog of the `collect` queue: every job name with its payload schema, retries, backoff and
 * removal policy, in one place. The handler map is typed from it (`JobHandlers`), so a job without a
 * handler, or a handler taking the wrong payload, does not compile. Payloads name the host only: its
 * collector settings (secrets included) are read when the job runs, never copied into Redis job data.
 */
const Id = Type.String({ pattern: ID_PATTERN.source, maxLength: 128 });

export const CollectJobData = Type.Object(
  {
    org: Id,
    host: Id,
    trigger: Type.Union([Type.Literal('schedule'), Type.Literal('manual')]),
  },
  { additionalProperties: false },
);
export type CollectJobData = Static<typeof CollectJobData>;

/** What a collection job returns (stored by BullMQ as the job's return value). */
export type CollectJobResult =
  | { readonly status: 'collected'; readonly samples: number; readonly durationMs: number }
  | { readonly status: 'skipped'; readonly reason: string };

const schemas = { collect: CollectJobData } as const;

export type JobName = keyof typeof schemas;
export type JobData<N extends JobName> = Static<(typeof schemas)[N]>;
export interface JobResults {
  readonly collect: CollectJobResult;
}

/** Manual runs jump the queue. BullMQ runs un-prioritised jobs first, so scheduled ones get a priority too. */
export const PRIORITY = { manual: 1, schedule: 10 } as const;

export interface JobSpec<N extends JobName> {
  readonly name: N;
  /** Checks a payload read back from Redis (or about to be written). */
  readonly check: (data: unknown) => data is JobData<N>;
  readonly options: Readonly<
    Required<Pick<JobsOptions, 'attempts' | 'backoff' | 'removeOnComplete' | 'removeOnFail'>>
  >;
}

export type JobCatalog = { readonly [N in JobName]: JobSpec<N> };

/** Where a handler runs: the attempt (1-based), and a signal that aborts when the attempt times out. */
export interface JobRun {
  readonly jobId: string;
  readonly attempt: number;
  readonly attempts: number;
  readonly signal: AbortSignal;
}

export type JobHandlers = {
  readonly [N in JobName]: (data: JobData<N>, run: JobRun) => Promise<JobResults[N]>;
};

const validators = { collect: Compile(CollectJobData) };

export function jobCatalog(options: CollectOptions): JobCatalog {
  return {
    collect: {
      name: 'collect',
      check: (data: unknown): data is CollectJobData => validators.collect.Check(data),
      options: {
        attempts: options.attempts,
        // BullMQ's exponential backoff waits delay × 2^(n−1) before retry n: 5 s, 10 s, 20 s…
        backoff: { type: 'exponential', delay: options.backoffMs },
        removeOnComplete: {
          age: Math.ceil(options.keepCompleted.ageMs / 1000),
          count: options.keepCompleted.count,
        },
        removeOnFail: { age: Math.ceil(options.keepFailed.ageMs / 1000), count: options.keepFailed.count },
      },
    },
  };
}
