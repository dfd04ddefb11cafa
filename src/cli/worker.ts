import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.ts';

/**
 * Set by the primary in each worker's environment: the worker's index, 1…VITALS_WORKERS. It outlives the
 * process (a restarted worker gets the index of the one it replaces), so the worker's spool, which may
 * hold what the dead one could not write, is replayed by its successor.
 */
export const WORKER_INDEX_ENV = 'VITALS_WORKER_INDEX';

/** Response header naming the worker that answered (only with VITALS_WORKERS > 1). */
export const WORKER_HEADER = 'x-vitals-worker';

/** What a worker tells the primary once it listens. */
export interface ListeningMessage {
  readonly vitals: 'listening';
  readonly address: string;
}

export function isListeningMessage(message: unknown): message is ListeningMessage {
  const m = message as Partial<ListeningMessage> | null;
  return typeof m === 'object' && m !== null && m.vitals === 'listening' && typeof m.address === 'string';
}

/** This process' worker index when the primary started it; undefined for a process on its own. */
export function workerIndexOf(env: NodeJS.ProcessEnv): number | undefined {
  const index = Number(env[WORKER_INDEX_ENV]);
  return Number.isInteger(index) && index >= 1 ? index : undefined;
}

/**
 * The configuration one worker runs with: only worker 1 runs the built-in local agent (one machine, one
 * agent), and no worker ever starts a managed redis-server: the primary owns it, started before any
 * worker, and a worker restarted while Redis is down must not start a second one in the same directory.
 */
export function workerConfig(config: Config, index: number): Config {
  return {
    ...config,
    redis: { ...config.redis, managed: 'off' },
    localAgent: { ...config.localAgent, enabled: config.localAgent.enabled && index === 1 },
  };
}

/**
 * A spool has one owner (its directory is locked), so each worker has its own. Worker 1 keeps the
 * single-process directory, so going from one process to workers and back replays what it holds.
 */
export function workerSpoolDir(dataDir: string, index: number): string {
  return index === 1 ? join(dataDir, 'spool') : join(dataDir, `spool-worker-${index}`);
}

/** Every answer names its worker, so a client (or a test) can tell which process served it. */
export function identifyWorker(app: FastifyInstance, index: number): void {
  app.addHook('onSend', async (_request, reply) => {
    reply.header(WORKER_HEADER, String(index));
  });
}
