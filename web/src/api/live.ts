import { useEffect, useState } from 'preact/hooks';
import { api } from './client.ts';
import type { LiveEvent } from './types.ts';

export type LiveStatus = 'connecting' | 'live' | 'offline';
type Listener = (event: LiveEvent) => void;

const EVENTS = ['samples', 'host'] as const;

/**
 * The org's live stream: a one-time ticket (POST /api/v1/live/ticket, with the Authorization header
 * EventSource cannot send), then an EventSource on /api/v1/live?ticket=…. A ticket works once, so the
 * browser's own reconnect is replaced by ours: on an error or 45 s without a heartbeat, a new ticket and
 * a new stream, with a growing delay (1 s … 30 s).
 */
class LiveConnection {
  private source: EventSource | undefined;
  private readonly listeners = new Set<Listener>();
  private readonly statusListeners = new Set<(s: LiveStatus) => void>();
  private watchdog: number | undefined;
  private retry: number | undefined;
  private failures = 0;
  private running = false;
  status: LiveStatus = 'offline';

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  stop(): void {
    this.running = false;
    this.source?.close();
    this.source = undefined;
    window.clearTimeout(this.watchdog);
    window.clearTimeout(this.retry);
    this.setStatus('offline');
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatus(listener: (s: LiveStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private async connect(): Promise<void> {
    this.setStatus('connecting');
    try {
      const { ticket } = await api<{ ticket: string }>('/api/v1/live/ticket', { method: 'POST' });
      if (!this.running) return;
      const source = new EventSource(`/api/v1/live?ticket=${encodeURIComponent(ticket)}`);
      this.source = source;
      source.addEventListener('hello', () => {
        this.failures = 0;
        this.setStatus('live');
        this.alive();
      });
      source.addEventListener('ping', () => this.alive());
      for (const name of EVENTS) source.addEventListener(name, (e) => this.dispatch(e));
      for (const name of ['error', 'bye', 'revoked']) source.addEventListener(name, () => this.reconnect());
    } catch {
      this.reconnect();
    }
  }

  private dispatch(message: MessageEvent<string>): void {
    this.alive();
    let event: LiveEvent;
    try {
      event = JSON.parse(message.data) as LiveEvent;
    } catch {
      return;
    }
    for (const listener of this.listeners) listener(event);
  }

  /** Any message proves the stream alive; silence past three heartbeats means it is not. */
  private alive(): void {
    window.clearTimeout(this.watchdog);
    this.watchdog = window.setTimeout(() => this.reconnect(), 45_000);
  }

  private reconnect(): void {
    this.source?.close();
    this.source = undefined;
    window.clearTimeout(this.watchdog);
    if (!this.running || this.retry !== undefined) return;
    this.setStatus('offline');
    const delay = Math.min(30_000, 1000 * 2 ** this.failures++);
    this.retry = window.setTimeout(() => {
      this.retry = undefined;
      if (this.running) void this.connect();
    }, delay);
  }

  private setStatus(status: LiveStatus): void {
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }
}

export const live = new LiveConnection();

/** Calls `listener` for every live event while the component is mounted. */
export function useLiveEvents(listener: Listener, deps: readonly unknown[]): void {
  useEffect(() => live.subscribe(listener), deps);
}

export function useLiveStatus(): LiveStatus {
  const [status, setStatus] = useState(live.status);
  useEffect(() => live.onStatus(setStatus), []);
  return status;
}
