import { type Logger, pino } from 'pino';
import type { ServerConfig } from './load.ts';

export type { Logger } from 'pino';

/**
 * One pino logger per process; children carry a `component` field. Secrets are redacted by path.
 * CLI jobs log to stderr so their stdout (an export, a report) stays clean.
 */
export function createLogger(
  server: Pick<ServerConfig, 'logLevel'>,
  to: 'stdout' | 'stderr' = 'stdout',
): Logger {
  return pino(
    {
      level: server.logLevel,
      redact: {
        paths: ['password', '*.password', 'token', '*.token', 'req.headers.authorization'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: to === 'stdout' ? 1 : 2, sync: true }),
  );
}
