import { writeSync } from 'node:fs';
import { redactText } from '../contract/index.ts';

/**
 * What the agent logs through. A pino logger fits (the server hands its own to the built-in agent); the
 * standalone agent uses `jsonLogger`, which writes the same JSON lines without pino's ~8 MB of RSS.
 */
export interface AgentLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** pino's numeric levels, so `pino-pretty` and log shippers read these lines as pino's. */
const NUMERIC: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50, silent: 100 };

function serialise(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = 'code' in value ? value.code : undefined;
    return { type: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
  }
  return value;
}

/** JSON lines on a file descriptor (stdout by default), written synchronously like the server's pino. */
export function jsonLogger(level: LogLevel = 'info', fd = 1): AgentLogger {
  const min = NUMERIC[level];
  const at =
    (name: Exclude<LogLevel, 'silent'>) =>
    (obj: object, msg?: string): void => {
      if (NUMERIC[name] < min) return;
      const line = { level: NUMERIC[name], time: Date.now(), component: 'agent', ...obj, msg };
      // The server's logger redacts the same way: URL userinfo, tokens, `password=…` pairs, keys.
      writeSync(fd, `${redactText(JSON.stringify(line, serialise))}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A logger that drops everything (tests, `--once`). */
export const silentLogger: AgentLogger = jsonLogger('silent');
