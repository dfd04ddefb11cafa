import type { Logger } from '../config/index.ts';
import { fromNumber } from '../contract/index.ts';
import type { RedisClient } from '../redis/index.ts';
import {
  encodeEnvelope,
  type HostChangeKind,
  type LiveEvent,
  type LiveSample,
  liveChannel,
} from './message.ts';
import { KeyedThrottle } from './throttle.ts';

/** The newest point of every series of a host, as this process' hot tier holds it. */
export interface NewestSource {
  newestOf(org: string, host: string): ReadonlyMap<string, { timestamp: number; value: number }> | undefined;
}

/** Metric names a dashboard draws live; other series (per-core CPU, custom metrics) stay out of messages. */
export const LIVE_METRICS: ReadonlySet<string> = new Set([
  'cpu.usage',
  'mem.used_pct',
  'swap.used_pct',
  'disk.used_pct',
  'net.rx_bps',
  'net.tx_bps',
  'load.1',
  'load.5',
  'load.15',
]);

export interface PublisherOptions {
  /** A `request`-role connection: a publish that cannot go out now is dropped, never queued. */
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly newest: NewestSource;
  /** This process' id in envelopes; its own messages come back through Redis and are skipped. */
  readonly origin: string;
  /** Hands an event to this process' clients at once (also while Redis is away). */
  readonly deliverLocally: (org: string, event: LiveEvent) => void;
  readonly logger: Logger;
  /** Least time between two messages of one host. @defaultValue 1000 */
  readonly intervalMs?: number;
  /** Series a message carries at most (a message stays well under 4 kB). @defaultValue 64 */
  readonly maxSeries?: number;
}

/**
 * Publishes hosts' newest values after writes. The writer already put them in the hot tier, so a
 * message is built from there: only series newer than the host's previous message, only the metrics in
 * `LIVE_METRICS`, at most one message per host per `intervalMs` (the newest state always goes out).
 */
export class LivePublisher {
  private readonly throttle: KeyedThrottle;
  private readonly watermark = new Map<string, number>();
  private lastWarning = 0;

  constructor(private readonly options: PublisherOptions) {
    this.throttle = new KeyedThrottle(options.intervalMs ?? 1000, (key) => this.publishHost(key));
  }

  /** After a successful write: the hosts of `org` that got new samples. Never throws, never waits. */
  publish(org: string, hosts: readonly string[]): void {
    for (const host of hosts) this.throttle.trigger(`${org}\n${host}`);
  }

  /** A host was created, changed or deleted (clients refresh their host lists). */
  hostChanged(org: string, host: string, change: HostChangeKind): void {
    if (change === 'deleted') {
      this.throttle.forget(`${org}\n${host}`);
      this.watermark.delete(`${org}\n${host}`);
    }
    this.send(org, { type: 'host', host, change });
  }

  /** Connection events of the org recorded here (batched by the caller), to every process' clients. */
  events(org: string, events: Extract<LiveEvent, { type: 'events' }>['events']): void {
    this.send(org, { type: 'events', events });
  }

  close(): void {
    this.throttle.close();
  }

  private publishHost(key: string): void {
    const at = key.indexOf('\n');
    const org = key.slice(0, at);
    const host = key.slice(at + 1);
    const since = this.watermark.get(key) ?? 0;
    const samples: Record<string, LiveSample> = {};
    let newest = since;
    let count = 0;
    for (const [series, point] of this.options.newest.newestOf(org, host) ?? []) {
      if (point.timestamp <= since || !LIVE_METRICS.has(metricName(series))) continue;
      if (count++ >= (this.options.maxSeries ?? 64)) break;
      samples[series] = [point.timestamp, fromNumber(point.value)];
      newest = Math.max(newest, point.timestamp);
    }
    if (count === 0) return;
    this.watermark.set(key, newest);
    this.send(org, { type: 'samples', host, samples });
  }

  private send(org: string, event: LiveEvent): void {
    this.options.deliverLocally(org, event);
    const message = encodeEnvelope({ origin: this.options.origin, org, event });
    this.options.redis.publish(liveChannel(this.options.prefix, org), message).catch((err: unknown) => {
      // Live updates are best effort: other processes miss this one; the next write sends newer values.
      const now = Date.now();
      if (now - this.lastWarning < 10_000) return;
      this.lastWarning = now;
      this.options.logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'live publish failed',
      );
    });
  }
}

function metricName(seriesKey: string): string {
  const brace = seriesKey.indexOf('{');
  return brace < 0 ? seriesKey : seriesKey.slice(0, brace);
}
