import { VitalsError } from '../contract/index.ts';

/** A query the event store cannot answer as asked (bad cursor, range or bucket size). */
export class EventQueryError extends VitalsError {
  override name = 'EventQueryError';
  readonly kind = 'invalid' as const;
}

/** A query asking for more buckets than one answer holds. */
export class EventQueryTooLargeError extends VitalsError {
  override name = 'EventQueryTooLargeError';
  readonly kind = 'too_large' as const;
}
