import type { Logger } from '../config/index.ts';
import type { RedisClient } from '../redis/index.ts';

/** A change another process must drop from its caches. */
export type TenancyChange =
  | { readonly kind: 'hosts'; readonly org: string }
  | { readonly kind: 'token'; readonly hash: string };

export interface TenancySyncDeps {
  /** Publishes changes (the request-role connection). */
  readonly publisher: RedisClient;
  /** A `subscriber`-role connection of its own; without it only this process' caches are kept coherent. */
  readonly subscriber?: RedisClient;
  readonly channel: string;
  readonly logger?: Logger;
}

/**
 * Keeps every process' tenancy caches coherent: a change is published on one channel and every
 * process (this one included) drops what it names. When the subscriber reconnects, messages may have
 * been missed, so every cache is made stale then (`onResync`). The subscriber must be created with
 * `autoResubscribe: false`: the sync subscribes on every 'ready' itself.
 */
export class TenancySync {
  private readonly listeners = new Set<(change: TenancyChange) => void>();
  private readonly resyncs = new Set<() => void>();

  constructor(private readonly deps: TenancySyncDeps) {
    const { subscriber, channel } = deps;
    if (!subscriber) return;
    subscriber.on('message', (got: string, text: string) => {
      if (got !== channel) return;
      const change = parse(text);
      if (change) this.tell(change);
    });
    const subscribe = () => {
      subscriber.subscribe(channel).catch((err: unknown) => {
        deps.logger?.debug({ err }, 'tenancy change channel not subscribed yet; caches expire by age');
      });
    };
    // Subscribed on every (re)connect. After a reconnect, messages may have been missed meanwhile.
    let connectedBefore = subscriber.status === 'ready';
    if (connectedBefore) subscribe();
    subscriber.on('ready', () => {
      subscribe();
      if (connectedBefore) for (const resync of this.resyncs) resync();
      connectedBefore = true;
    });
  }

  onChange(listener: (change: TenancyChange) => void): void {
    this.listeners.add(listener);
  }

  onResync(listener: () => void): void {
    this.resyncs.add(listener);
  }

  /** Drops the change here at once and tells the other processes (best effort: caches also expire). */
  publish(change: TenancyChange): void {
    this.tell(change);
    this.deps.publisher.publish(this.deps.channel, JSON.stringify(change)).catch((err: unknown) => {
      this.deps.logger?.debug({ err }, 'tenancy change not published');
    });
  }

  private tell(change: TenancyChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

function parse(text: string): TenancyChange | undefined {
  try {
    const value = JSON.parse(text) as Partial<{ kind: string; org: string; hash: string }>;
    if (value.kind === 'hosts' && typeof value.org === 'string') return { kind: 'hosts', org: value.org };
    if (value.kind === 'token' && typeof value.hash === 'string') return { kind: 'token', hash: value.hash };
  } catch {
    // Not ours: ignored.
  }
  return undefined;
}
