import type { Logger } from '../config/index.ts';
import { closeRedis, type RedisClient } from '../redis/index.ts';
import { decodeEnvelope, type LiveEvent, liveChannel } from './message.ts';

export type LiveListener = (event: LiveEvent) => void;

export interface HubOptions {
  /** A `subscriber`-role connection of its own (a subscribed connection can send nothing else). */
  readonly subscriber: RedisClient;
  readonly prefix: string;
  /** This process' id: its own messages were delivered locally already and are skipped. */
  readonly origin: string;
  readonly logger: Logger;
}

/**
 * This process' side of the fan-out: live clients subscribe per org; the hub holds one Redis channel
 * subscription per org that has a client here (SUBSCRIBE on the first, UNSUBSCRIBE after the last),
 * and hands each event to that org's listeners. ioredis re-subscribes by itself after a reconnect.
 */
export class LiveHub {
  private readonly listeners = new Map<string, Set<LiveListener>>();
  private readonly orgOfChannel = new Map<string, string>();
  private closed = false;

  constructor(private readonly options: HubOptions) {
    options.subscriber.on('message', (channel: string, message: string) => this.onMessage(channel, message));
  }

  /** Registers a listener for an org's events; returns its remover. */
  subscribe(org: string, listener: LiveListener): () => void {
    let set = this.listeners.get(org);
    if (!set) {
      set = new Set();
      this.listeners.set(org, set);
      const channel = liveChannel(this.options.prefix, org);
      this.orgOfChannel.set(channel, org);
      this.options.subscriber.subscribe(channel).catch((err: unknown) => this.warn('subscribe', err));
    }
    set.add(listener);
    return () => this.remove(org, listener);
  }

  /** Hands an event to this process' listeners of the org. */
  deliver(org: string, event: LiveEvent): void {
    for (const listener of this.listeners.get(org) ?? []) {
      try {
        listener(event);
      } catch (err: unknown) {
        this.options.logger.warn({ err }, 'live listener failed');
      }
    }
  }

  /** Listeners registered now, over every org. */
  get clients(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /** Drops every listener and closes the subscriber connection. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.orgOfChannel.clear();
    await closeRedis(this.options.subscriber);
  }

  private remove(org: string, listener: LiveListener): void {
    const set = this.listeners.get(org);
    if (!set?.delete(listener) || set.size > 0) return;
    this.listeners.delete(org);
    const channel = liveChannel(this.options.prefix, org);
    this.orgOfChannel.delete(channel);
    if (this.closed) return;
    this.options.subscriber.unsubscribe(channel).catch((err: unknown) => this.warn('unsubscribe', err));
  }

  private onMessage(channel: string, message: string): void {
    const org = this.orgOfChannel.get(channel);
    if (org === undefined) return;
    const envelope = decodeEnvelope(message);
    if (!envelope || envelope.org !== org || envelope.origin === this.options.origin) return;
    this.deliver(org, envelope.event);
  }

  private warn(what: string, err: unknown): void {
    if (this.closed) return;
    this.options.logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      `live ${what} failed`,
    );
  }
}
