import type { ConnectionEvent, EventRecorder } from './contract.ts';
import { isoOf } from './instrument-time.ts';

/** An event as a live client receives it (`events` messages of `/api/v1/live`). */
export interface LiveConnectionEvent {
  readonly id: string;
  readonly type: string;
  readonly status: 'ok' | 'error';
  readonly at: number;
  readonly time: string | null;
  readonly latencyMs?: number;
  readonly message?: string;
  readonly meta?: Readonly<Record<string, string | number | boolean>>;
}

/** A recorded event as the log hands it to its listeners (redacted when `toEvent` is first called). */
export interface RecordedEvent {
  readonly org: string;
  toEvent(): ConnectionEvent;
}

export type LiveEventSink = (org: string, events: LiveConnectionEvent[]) => void;

export interface LiveFeedOptions {
  /** How often pending events go out, in one message per org. @defaultValue 1000 */
  readonly intervalMs?: number;
  /** Events per org and message at most; the rest of a burst is counted in `dropped`. @defaultValue 100 */
  readonly maxPerMessage?: number;
}

/**
 * Streams recorded events to live clients: a listener of the event log (`events.subscribe(e =>
 * feed.add(e))`) that batches per org and hands each org's events to `sink` (the live hub) once per
 * interval. `add` is an array push on the recording caller's path; the event is turned into its
 * (redacted) wire form when it goes out.
 */
export class LiveEventFeed {
  private pending = new Map<string, RecordedEvent[]>();
  private readonly timer: NodeJS.Timeout;
  private readonly max: number;
  /** Events left out of a message because a burst passed `maxPerMessage` (they are in the log). */
  dropped = 0;

  constructor(
    private readonly sink: LiveEventSink,
    options: LiveFeedOptions = {},
  ) {
    this.max = options.maxPerMessage ?? 100;
    this.timer = setInterval(() => this.flush(), options.intervalMs ?? 1000);
    this.timer.unref();
  }

  add(event: RecordedEvent): void {
    const list = this.pending.get(event.org);
    if (!list) this.pending.set(event.org, [event]);
    else if (list.length < this.max) list.push(event);
    else this.dropped += 1;
  }

  /** Sends what is pending now (the timer does this every interval). */
  flush(): void {
    if (this.pending.size === 0) return;
    const batches = this.pending;
    this.pending = new Map();
    for (const [org, events] of batches) {
      try {
        this.sink(org, events.map(liveEvent));
      } catch {
        // Live updates are best effort; the events themselves are in the log.
      }
    }
  }

  /** Stops the timer after a last flush. Safe to call twice. */
  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}

function liveEvent(recorded: RecordedEvent): LiveConnectionEvent {
  const { org: _org, ...event } = recorded.toEvent();
  return { ...event, time: isoOf(event.at) };
}

/**
 * `live-client` events: a live stream opened (ok) and closed (ok, with how long it was open). Returns
 * the function to call when the stream ends.
 */
export function liveClientOpened(
  recorder: EventRecorder,
  org: string,
  meta: Readonly<Record<string, string | number | boolean>> = {},
  clock: () => number = Date.now,
): () => void {
  const opened = clock();
  recorder.record({ type: 'live-client', org, status: 'ok', at: opened, meta: { ...meta, event: 'open' } });
  let closed = false;
  return () => {
    if (closed) return;
    closed = true;
    const at = clock();
    recorder.record({
      type: 'live-client',
      org,
      status: 'ok',
      at,
      meta: { ...meta, event: 'close', openMs: at - opened },
    });
  };
}
