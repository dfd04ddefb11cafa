import type { EventInput, EventRecorder } from './contract.ts';

/** What a notification sender is told about the channel and the delivery (structurally, alerts' own). */
export interface DeliveryChannel {
  readonly id: string;
  readonly kind: string;
}
export interface DeliveryContext {
  readonly org: string;
  /** The delivery's idempotency key. */
  readonly key: string;
}
export type Sender<C extends DeliveryChannel, X extends DeliveryContext> = (
  channel: C,
  ctx: X,
) => Promise<void>;

/** Mail goes over SMTP; webhook, Slack, Discord and Alertmanager channels are all HTTP webhooks. */
export function deliveryType(kind: string): 'smtp' | 'webhook' {
  return kind === 'email' ? 'smtp' : 'webhook';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Wraps a notification sender so every attempt becomes a `webhook` or `smtp` event of the channel's
 * org, with its duration and the (already redacted) reason of a failure. The sender's outcome is
 * passed through unchanged.
 */
export function timedSender<C extends DeliveryChannel, X extends DeliveryContext>(
  recorder: EventRecorder,
  send: Sender<C, X>,
  clock: () => number = () => performance.now(),
): Sender<C, X> {
  return async (channel, ctx) => {
    const start = clock();
    const event = (status: 'ok' | 'error', message?: string): EventInput => ({
      type: deliveryType(channel.kind),
      org: ctx.org,
      status,
      latencyMs: Math.round((clock() - start) * 100) / 100,
      ...(message !== undefined && { message }),
      meta: { channel: channel.id, kind: channel.kind, delivery: ctx.key },
    });
    try {
      await send(channel, ctx);
    } catch (err: unknown) {
      recorder.record(event('error', messageOf(err)));
      throw err;
    }
    recorder.record(event('ok'));
  };
}
