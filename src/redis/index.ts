export {
  type ConnectionDeps,
  closeRedis,
  createRedis,
  type RedisClient,
  type Role,
  reconnectDelay,
} from './connection.ts';
export { isAuthError, isUnavailable } from './errors.ts';
export { Keys } from './keys.ts';
export { onLocalWrites } from './local-writes.ts';
export { findRedisServer, installHint, ManagedRedis, portAnswers } from './managed.ts';
export { pingMs } from './ping.ts';
export { deleteKeys, execGrouped, PipelineError, type PipelineOp } from './pipeline.ts';
export { type CommandStat, CommandTimings } from './timing.ts';
export { tlsHint, tlsOptions } from './tls.ts';
export { TrackedReads, type TrackedReadsStats } from './tracked-reads.ts';
export { type ConnectionWatch, endedForGood, watchConnection, whenReady } from './watch.ts';
