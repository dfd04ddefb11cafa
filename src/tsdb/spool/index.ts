export { DiskSpool, openSpool } from './disk-spool.ts';
export {
  SpoolBusyError,
  SpoolClosedError,
  SpoolConfigError,
  SpoolError,
  SpoolFullError,
  SpoolIoError,
  SpoolLockedError,
  SpoolRecordTooLargeError,
  SpoolReplayError,
} from './errors.ts';
export { SPOOL_DEFAULTS, type SpoolOptions, type SyncEvent } from './options.ts';
export type { RecordHandler, ReplayResult, Spool } from './types.ts';
