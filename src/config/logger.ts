import { type DestinationStream, type Logger, pino } from 'pino';
import { MASK, redactText, redactValue } from '../contract/index.ts';
import type { ServerConfig } from './load.ts';

export type { Logger } from 'pino';

/** Field names censored wherever pino finds them (top level and one down); the formatter covers deeper ones. */
const SECRET_FIELDS = [
  'password',
  'passphrase',
  'privateKey',
  'token',
  'secret',
  'apiKey',
  'bearerToken',
  'authorization',
];
const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * pino's error serializer (message and stack with their causes, own fields), redacted. A Redis reply
 * error carries the command it answered: its arguments (an AUTH password) are never logged.
 */
function errSerializer(err: unknown): unknown {
  const serialized: unknown = pino.stdSerializers.err(err as Error);
  if (!isRecord(serialized)) return typeof serialized === 'string' ? redactText(serialized) : serialized;
  const command = serialized.command;
  const safe =
    isRecord(command) && 'args' in command
      ? { ...serialized, command: { ...command, args: MASK } }
      : serialized;
  return redactValue(safe);
}

/** Errors under other keys than `err` (which pino serializes itself) go through the same serializer. */
function withErrorsSerialized(object: Record<string, unknown>): Record<string, unknown> {
  if (!Object.values(object).some((v) => v instanceof Error)) return object;
  return Object.fromEntries(
    Object.entries(object).map(([k, v]) => [k, k !== 'err' && v instanceof Error ? errSerializer(v) : v]),
  );
}

/** The pino options of every Vitals logger: every line goes through the contract's redaction. */
export function loggerOptions(level: ServerConfig['logLevel']): pino.LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: MASK },
    serializers: {
      err: errSerializer,
      msg: (msg: unknown) => (typeof msg === 'string' ? redactText(msg) : msg),
    },
    formatters: {
      log: (object) => redactValue(withErrorsSerialized(object)) as Record<string, unknown>,
      bindings: (bindings) => redactValue(bindings) as pino.Bindings,
    },
    // The last net: a secret that reached the line some other way (a serializer of a library's object).
    hooks: { streamWrite: (line) => redactText(line) },
  };
}

/**
 * One pino logger per process; children carry a `component` field. Secrets never reach the output:
 * field names and paths are censored, messages and errors go through the contract's redaction.
 * CLI jobs log to stderr so their stdout (an export, a report) stays clean; tests pass a stream.
 */
export function createLogger(
  server: Pick<ServerConfig, 'logLevel'>,
  to: 'stdout' | 'stderr' | DestinationStream = 'stdout',
): Logger {
  const destination =
    typeof to === 'string' ? pino.destination({ fd: to === 'stdout' ? 1 : 2, sync: true }) : to;
  return pino(loggerOptions(server.logLevel), destination);
}
