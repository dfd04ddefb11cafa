import { UnrecoverableError } from 'bullmq';
import { containsSealed, redactText } from '../../contract/index.ts';
import type { DeliverJobData, DeliverJobResult } from './catalog.ts';
import { channelSecrets } from './channel-input.ts';
import type { ChannelStore } from './channel-store.ts';
import type { DeliveryLog } from './deliveries.ts';
import { DeliveryError, messageOf } from './errors.ts';
import type { DeliveryOptions } from './options.ts';
import { send } from './senders.ts';

export interface DeliverDeps {
  readonly channels: ChannelStore;
  readonly log: DeliveryLog;
  readonly options: DeliveryOptions;
  readonly now: () => number;
  /** @defaultValue the senders' own (`send`); the notifier passes its timed one */
  readonly send?: typeof send;
}

export interface Attempt {
  /** 1-based. */
  readonly number: number;
  readonly of: number;
}

/**
 * One delivery attempt. The delivered marker is read first (a retry, a re-queued job or a second
 * process finds it and sends nothing) and set after the receiver's 2xx. What remains is the window
 * between the receiver's 2xx and the marker: a process killed there sends again on the retry, with the
 * same `Idempotency-Key`, so a receiver that honours it drops the repeat (docs/alerts.md "Exactly once").
 */
export async function deliver(
  deps: DeliverDeps,
  data: DeliverJobData,
  attempt: Attempt,
): Promise<DeliverJobResult> {
  const { org, key } = data;
  if (await deps.log.delivered(org, key)) {
    await deps.log.update(org, key, { status: 'delivered', reason: 'already delivered' }, deps.now());
    return { status: 'duplicate' };
  }
  const channel = await deps.channels.get(org, data.channelId);
  if (!channel) return fail(deps, data, attempt, new DeliveryError('the channel was deleted', true));
  if (containsSealed(channel.settings)) {
    const err = new DeliveryError(
      'a secret of the channel cannot be opened with the configured keys; set it again',
      true,
    );
    return fail(deps, data, attempt, err);
  }
  await deps.log.update(org, key, { attempts: attempt.number }, deps.now());
  try {
    await (deps.send ?? send)(channel, {
      org,
      key,
      notification: data.notification,
      linkBase: deps.options.linkBase,
      timeoutMs: deps.options.timeoutMs,
      now: deps.now(),
    });
  } catch (err: unknown) {
    const known = channelSecrets(channel);
    const failure = err instanceof DeliveryError ? err : new DeliveryError(messageOf(err), false, known);
    return fail(deps, data, attempt, failure);
  }
  const at = deps.now();
  await deps.log.markDelivered(org, key, at);
  await deps.log.update(org, key, { status: 'delivered', deliveredAt: at, reason: undefined }, at);
  return { status: 'delivered', at };
}

async function fail(
  deps: DeliverDeps,
  data: DeliverJobData,
  attempt: Attempt,
  err: DeliveryError,
): Promise<never> {
  const last = err.final || attempt.number >= attempt.of;
  const reason = redactText(err.message);
  await deps.log
    .update(
      data.org,
      data.key,
      { status: last ? 'failed' : 'retrying', reason, attempts: attempt.number },
      deps.now(),
    )
    .catch(() => undefined);
  if (err.final) throw new UnrecoverableError(reason);
  throw new Error(reason);
}
