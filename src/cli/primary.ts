import cluster, { type Worker } from 'node:cluster';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, Logger } from '../config/index.ts';
import { findRedisServer, type ManagedRedis } from '../redis/index.ts';
import { maybeStartManaged } from './managed-redis.ts';
import { isListeningMessage, WORKER_INDEX_ENV } from './worker.ts';

/** First restart delay of a worker that died; doubles while it keeps dying young, up to the cap. */
const RESTART_BASE_MS = 1000;
const RESTART_MAX_MS = 30_000;
/** A worker that lived this long died of something new: its next restart waits the base delay again. */
const HEALTHY_AFTER_MS = 60_000;

export interface PrimaryOptions {
  /** Locates redis-server for the managed mode. @defaultValue a PATH lookup */
  readonly findRedisServer?: () => Promise<string | undefined>;
  /** The script a worker runs and its arguments. @defaultValue this process' own (node:cluster's default) */
  readonly exec?: { readonly file: string; readonly args: readonly string[] };
  /** Environment of every worker on top of this process'. @defaultValue nothing more */
  readonly env?: Readonly<Record<string, string>>;
}

export interface Primary {
  /** The address every worker listens on (one port, shared through node:cluster). */
  readonly address: string;
  /** The managed redis-server, when the primary started one. */
  readonly managed: ManagedRedis | undefined;
  /** Pid of each live worker by index. */
  workers(): ReadonlyMap<number, number>;
  /**
   * Sends `signal` to every worker, waits for all to exit (SIGKILL past VITALS_SHUTDOWN_TIMEOUT_MS),
   * then stops the managed Redis. Resolves to the exit code: 0 when every worker exited 0. Safe to call
   * twice (both get the same promise).
   */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

interface Slot {
  worker: Worker;
  startedAt: number;
  /** Consecutive deaths of this index, each after less than HEALTHY_AFTER_MS. */
  deaths: number;
  restart?: NodeJS.Timeout;
}

/**
 * The primary of `VITALS_WORKERS`: starts the managed redis-server when a single process would, forks
 * the workers (each a whole server, listening on the one port), restarts a worker that dies with
 * backoff, and on `stop` shuts them down before the Redis they write to. Resolves once every worker
 * listens; rejects (after stopping what started) when one exits before that.
 */
export async function startPrimary(
  config: Config,
  logger: Logger,
  options: PrimaryOptions = {},
): Promise<Primary> {
  const count = config.server.workers;
  warnOfLeftoverSpools(config.server.dataDir, count, logger);
  const managed = await maybeStartManaged(
    config,
    logger,
    options.findRedisServer ?? (() => findRedisServer()),
  );
  // Workers are pointed at the Redis the primary started: they never start one themselves.
  const redisEnv = managed ? { REDIS_HOST: config.redis.host, REDIS_PORT: String(config.redis.port) } : {};
  if (options.exec)
    cluster.setupPrimary({ exec: options.exec.file, args: [...options.exec.args], execArgv: [] });

  const slots = new Map<number, Slot>();
  let stopping: Promise<number> | undefined;
  let onStarted: { resolve: (address: string) => void; reject: (err: Error) => void } | undefined;
  const started = new Promise<string>((resolve, reject) => {
    onStarted = { resolve, reject };
  });
  const listening = new Map<number, string>();

  const fork = (index: number, deaths: number) => {
    const worker = cluster.fork({ ...options.env, ...redisEnv, [WORKER_INDEX_ENV]: String(index) });
    slots.set(index, { worker, startedAt: Date.now(), deaths });
    logger.info({ index, workerPid: worker.process.pid, restart: deaths > 0 }, 'worker started');
    worker.on('message', (message: unknown) => {
      if (!isListeningMessage(message) || listening.has(index)) return;
      listening.set(index, message.address);
      if (listening.size === count) onStarted?.resolve(message.address);
    });
    worker.on('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      if (slots.get(index)?.worker !== worker || stopping) return;
      if (listening.size < count) {
        onStarted?.reject(
          new Error(`worker ${index} exited during start-up (code ${code}, signal ${signal})`),
        );
        return;
      }
      const slot = slots.get(index) as Slot;
      const young = Date.now() - slot.startedAt < HEALTHY_AFTER_MS;
      const nextDeaths = young ? slot.deaths + 1 : 1;
      const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** (nextDeaths - 1));
      logger.error(
        { index, workerPid: worker.process.pid, code, signal, restartInMs: delay },
        'worker exited unexpectedly; restarting it',
      );
      slot.restart = setTimeout(() => fork(index, nextDeaths), delay);
    });
  };

  const stop = (signal: NodeJS.Signals = 'SIGTERM'): Promise<number> => {
    stopping ??= stopWorkers(slots, signal, config.server.shutdownTimeoutMs, logger).then(async (code) => {
      await managed?.stop();
      return code;
    });
    return stopping;
  };

  for (let index = 1; index <= count; index++) fork(index, 0);
  try {
    const address = await started;
    logger.info(
      { address, workers: count, redis: `${config.redis.mode} ${config.redis.host}:${config.redis.port}` },
      'vitals server listening',
    );
    return {
      address,
      managed,
      workers: () =>
        new Map(
          [...slots]
            .filter(([, slot]) => !slot.worker.isDead())
            .map(([index, slot]) => [index, slot.worker.process.pid ?? 0]),
        ),
      stop,
    };
  } catch (err: unknown) {
    await stop();
    throw err;
  }
}

/** SIGTERM (or `signal`) to every live worker; SIGKILL to those still running at the deadline. */
async function stopWorkers(
  slots: ReadonlyMap<number, Slot>,
  signal: NodeJS.Signals,
  deadlineMs: number,
  logger: Logger,
): Promise<number> {
  let code = 0;
  const exits = [...slots].map(([index, slot]) => {
    clearTimeout(slot.restart);
    const { worker } = slot;
    if (worker.isDead()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      worker.once('exit', (exitCode: number | null, exitSignal: NodeJS.Signals | null) => {
        if (exitCode !== 0) {
          code = 1;
          logger.error({ index, code: exitCode, signal: exitSignal }, 'worker did not shut down cleanly');
        }
        resolve();
      });
      worker.process.kill(signal);
    });
  });
  const deadline = setTimeout(() => {
    logger.error({ timeoutMs: deadlineMs }, 'shutdown deadline passed; killing the workers left');
    for (const { worker } of slots.values()) if (!worker.isDead()) worker.process.kill('SIGKILL');
  }, deadlineMs);
  await Promise.all(exits);
  clearTimeout(deadline);
  return code;
}

/**
 * Spools of workers above VITALS_WORKERS (from a run with more workers) are replayed by nobody; their
 * data is named so the operator can start with that many workers once to replay it.
 */
function warnOfLeftoverSpools(dataDir: string, count: number, logger: Logger): void {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    return; // no data directory yet: nothing left over
  }
  for (const name of names) {
    const index = Number(/^spool-worker-(\d+)$/.exec(name)?.[1] ?? 0);
    if (index <= count) continue;
    const dir = join(dataDir, name);
    const bytes = readdirSync(dir)
      .filter((file) => file.endsWith('.log'))
      .reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);
    if (bytes > 0)
      logger.warn(
        { dir, bytes },
        `a spool of worker ${index} holds samples not yet in Redis; start once with VITALS_WORKERS=${index} to replay it`,
      );
  }
}
