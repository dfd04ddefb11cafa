import type { CollectionEvent, CollectionListener, ConnectionType } from '../collect/index.ts';
import type { BuiltInEventType, EventInput, EventRecorder } from './contract.ts';

const TYPE_OF: Readonly<Record<ConnectionType, BuiltInEventType>> = {
  ssh: 'ssh',
  http: 'http-target',
  redis: 'redis-target',
};

/**
 * A collection attempt as a connection event: `ssh`, `http-target` (Prometheus endpoints) or
 * `redis-target`, of the host's org, with the attempt's duration and, on failure, the redacted reason.
 */
export function collectionEvent(event: CollectionEvent): EventInput {
  const { meta } = event;
  return {
    type: TYPE_OF[event.type],
    org: event.org,
    status: event.status,
    at: event.at,
    latencyMs: event.latencyMs,
    ...(event.message !== undefined && { message: event.message }),
    meta: {
      host: event.host,
      trigger: meta.trigger,
      attempt: meta.attempt,
      final: meta.final,
      ...(meta.samples !== undefined && { samples: meta.samples }),
      ...(meta.reason !== undefined && { reason: meta.reason }),
    },
  };
}

/** The listener to register with `collection.onCollection`: every attempt becomes an event. */
export function recordCollections(recorder: EventRecorder): CollectionListener {
  return (event) => recorder.record(collectionEvent(event));
}
