// Instrumentation of every connection type Vitals has: mappings from each place's own outcome to a
// connection event, and the live feed. Re-exported by the folder's index.
export { collectionEvent, recordCollections } from './instrument-collect.ts';
export {
  type DeliveryChannel,
  type DeliveryContext,
  deliveryType,
  type Sender,
  timedSender,
} from './instrument-delivery.ts';
export {
  type LiveConnectionEvent,
  LiveEventFeed,
  type LiveEventSink,
  type LiveFeedOptions,
  liveClientOpened,
  type RecordedEvent,
} from './instrument-live.ts';
export { DEFAULT_EVENT_ORG } from './instrument-org.ts';
export { type PushOutcome, pushEvent } from './instrument-push.ts';
export { type RedisWatchOptions, watchRedisEvents } from './instrument-redis.ts';
export { isoOf, SECONDS_BELOW, toMs } from './instrument-time.ts';
