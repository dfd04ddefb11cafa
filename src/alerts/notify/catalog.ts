import type { JobsOptions } from 'bullmq';
import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { ID_PATTERN } from '../../contract/index.ts';
import type { Notification } from '../contract.ts';
import type { DeliveryOptions } from './options.ts';

/**
 * The job catalog of the `alerts-deliver` queue: one job per (alert, transition, channel). The payload
 * carries the notification as it was at the transition (no secrets: those stay sealed in the channel,
 * read when the job runs).
 */
export const DELIVER_QUEUE = 'alerts-deliver';

export const DeliverJobData = Type.Object(
  {
    org: Type.String({ pattern: ID_PATTERN.source }),
    key: Type.String({ minLength: 5, maxLength: 600 }),
    channelId: Type.String({ minLength: 1, maxLength: 64 }),
    notification: Type.Object({
      alert: Type.Object({ id: Type.String(), status: Type.String(), labels: Type.Object({}) }),
      transition: Type.Object({ seq: Type.Number(), action: Type.String(), at: Type.Number() }),
    }),
  },
  { additionalProperties: false },
);
export type DeliverJobData = Omit<Static<typeof DeliverJobData>, 'notification'> & {
  readonly notification: Notification;
};

export type DeliverJobResult =
  | { readonly status: 'delivered'; readonly at: number }
  | { readonly status: 'duplicate' };

const check = Compile(DeliverJobData);

export function isDeliverJob(data: unknown): data is DeliverJobData {
  return check.Check(data);
}

/** The idempotency key of one delivery. */
export function deliveryKey(n: Notification, channelId: string): string {
  return `${n.alert.id}:${n.transition.seq}:${channelId}`;
}

/** BullMQ reserves `:` in custom ids: the job id is the org and the key with `/` in its place. */
export function deliveryJobId(org: string, key: string): string {
  return `${org}/${key.replaceAll(':', '/')}`;
}

/** Whether a job of the delivery queue belongs to the org (its id starts with the org, see above). */
export function isDeliveryJobOf(org: string, jobId: string): boolean {
  return jobId.startsWith(`${org}/`);
}

export function deliverJobOptions(
  options: DeliveryOptions,
): Required<Pick<JobsOptions, 'attempts' | 'backoff' | 'removeOnComplete' | 'removeOnFail'>> {
  return {
    attempts: options.attempts,
    // BullMQ waits delay × 2^(n−1) before retry n: 5 s, 10 s, 20 s… (about 10 min over 8 attempts).
    backoff: { type: 'exponential', delay: options.backoffMs },
    // While a job is kept, adding it again is a no-op; after that the delivered marker (30 d) holds.
    removeOnComplete: { age: 86_400, count: 5000 },
    removeOnFail: { age: 30 * 86_400, count: 5000 },
  };
}
