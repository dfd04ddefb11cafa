export {
  type ApiConfig,
  allVars,
  type CollectConfig,
  type Config,
  ConfigError,
  type HostPort,
  loadConfig,
  type RedisConfig,
  type ServerConfig,
  type StorageConfig,
} from './load.ts';
export { createLogger, type Logger } from './logger.ts';
export { configTable } from './table.ts';
export type { VarSpec } from './vars.ts';
