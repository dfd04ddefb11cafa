/**
 * Sealing, rollups and retention: turning a host's append-only heads into compressed window columns
 * with 1m and 1h rollups, dropping what has aged out, and the maintenance run that does both.
 */
export { decodeWindow, type EncodedWindow, encodeWindow } from './build.ts';
export {
  type HostFailure,
  type HostSealSummary,
  type RunOptions,
  type SealDueSummary,
  type SealHostOptions,
  type SealOptions,
  sealDue,
  sealHost,
} from './due.ts';
export {
  SealConflictError,
  SealCorruptError,
  SealError,
  SealLockedError,
  SealLockLostError,
  SealScriptError,
} from './errors.ts';
export { lockHost, SEAL_LOCK_TTL_MS, type SealLock, sealLockKey, tryLockHost } from './lock.ts';
export {
  lastMaintenance,
  type MaintenanceFigures,
  type MaintenanceOptions,
  type MaintenanceRun,
  runMaintenance,
  SweepSchedule,
} from './maintenance.ts';
export { enforceRetention, type RetentionSummary } from './retention.ts';
export { type SealResult, type SealWindowOptions, sealWindow } from './window.ts';
