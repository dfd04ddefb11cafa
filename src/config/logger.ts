import { type Logger, pino } from 'pino';
import type { ServerConfig } from './load.ts';

export type { Logger } from 'pino';

/** One pino logger per process; children carry a `component` field. Secrets are redacted by path. */
export function createLogger(server: Pick<ServerConfig, 'logLevel'>): Logger {
  return pino({
    level: server.logLevel,
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  });
}
