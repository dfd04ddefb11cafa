import type { Logger } from '../config/index.ts';
import type { ConnectionType } from './collector.ts';
import type { CollectFailure } from './errors.ts';

/**
 * One collection attempt, told to listeners when it ends: the seam for the connection-event monitor,
 * in the shape of DESIGN §2's events (`{type, at, status, latencyMs?, message?, meta}`). Every attempt
 * is reported, retries included; `meta.final` says whether the job is done (no further attempt).
 */
export interface CollectionEvent {
  readonly type: ConnectionType;
  readonly org: string;
  readonly host: string;
  /** When the attempt ended (ms since epoch). */
  readonly at: number;
  readonly status: 'ok' | 'error';
  /** Duration of the attempt: connect, read, parse and store. */
  readonly latencyMs: number;
  /** Why it failed; never holds a secret. */
  readonly message?: string;
  readonly meta: {
    readonly jobId: string;
    readonly trigger: 'schedule' | 'manual';
    readonly attempt: number;
    readonly attempts: number;
    readonly final: boolean;
    readonly samples?: number;
    readonly reason?: CollectFailure;
  };
}

export type CollectionListener = (event: CollectionEvent) => void;

/** Listeners of collection events; one that throws is logged and cannot fail a collection. */
export class CollectionEvents {
  private readonly listeners = new Set<CollectionListener>();

  constructor(private readonly logger: Logger) {}

  /** Registers a listener; returns its remover. */
  on(listener: CollectionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: CollectionEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err: unknown) {
        this.logger.error({ err, host: event.host }, 'collection listener failed');
      }
    }
  }
}
