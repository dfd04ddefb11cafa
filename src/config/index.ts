export {
  type AlertDeliveryConfig,
  type ApiConfig,
  allVars,
  type CollectConfig,
  type Config,
  ConfigError,
  type EventsConfig,
  type HostPort,
  loadConfig,
  type RedisConfig,
  type RedisHealthConfig,
  type ServerConfig,
  type ShareLimits,
  type StorageConfig,
  type TelemetryConfig,
} from './load.ts';
export { createLogger, type Logger, loggerOptions } from './logger.ts';
export { loadSecretKeys, parseSecretKey, SECRET_KEY_FILE, type SecretKeys } from './secret-key.ts';
export { configTable } from './table.ts';
export type { TlsPem } from './tls.ts';
export type { VarSpec } from './vars.ts';
