export * from './contract.ts';
export { EventQueryError, EventQueryTooLargeError } from './errors.ts';
export { type EventListener, EventLog, type EventLogDeps, type EventLogStatus } from './log.ts';
export {
  DEFAULT_EVENT_OPTIONS,
  type EventLogOptions,
  MAX_BUCKETS,
  MAX_CUSTOM_TYPES_PER_ORG,
  MAX_PAGE,
} from './options.ts';
export { eventDataKeys } from './org-keys.ts';
export type { BucketQuery, EventPage, ListQuery } from './queries.ts';
export type { StoredEvent } from './record.ts';
export {
  EVENTS_HOST,
  EventFigures,
  type EventFiguresDeps,
  type FiguresOutcome,
  seriesPart,
} from './series.ts';
export type { EventWriterStats } from './writer.ts';
