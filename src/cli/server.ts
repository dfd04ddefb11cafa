import cluster from 'node:cluster';
import { type Config, ConfigError, createLogger, type Logger, loadConfig } from '../config/index.ts';
import { type Primary, startPrimary } from './primary.ts';
import type { Runtime } from './runtime.ts';
import {
  identifyWorker,
  type ListeningMessage,
  workerConfig,
  workerIndexOf,
  workerSpoolDir,
} from './worker.ts';

/** Reads and validates the environment; on failure prints every problem and sets a non-zero exit code. */
export function configOrExit(env: NodeJS.ProcessEnv): Config | undefined {
  try {
    return loadConfig(env);
  } catch (err: unknown) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`vitals: ${err.message}\n`);
    process.exitCode = 2;
    return undefined;
  }
}

/**
 * `vitals server`: one process serving everything, or with VITALS_WORKERS > 1 the primary of that many
 * worker processes (src/cli/primary.ts); a worker it forked lands here too and serves as the first does.
 */
export async function runServer(env: NodeJS.ProcessEnv = process.env): Promise<Runtime | undefined> {
  const config = configOrExit(env);
  if (!config) return undefined;
  const logger = createLogger(config.server);
  const index = workerIndexOf(env);
  if (cluster.isWorker && index !== undefined) {
    const workerLogger = logger.child({ worker: index });
    return serve(workerConfig(config, index), workerLogger, index);
  }
  // Under another cluster (pm2's), that primary shares the port: this process serves on its own.
  if (config.server.workers > 1 && cluster.isPrimary) {
    await runPrimary(config, logger.child({ worker: 0 }));
    return undefined;
  }
  return serve(config, logger, undefined);
}

/** Starts a runtime and listens; a worker names itself in every answer and tells the primary. */
async function serve(config: Config, logger: Logger, index: number | undefined): Promise<Runtime> {
  const spoolDir = index === undefined ? undefined : workerSpoolDir(config.server.dataDir, index);
  // Loaded here, not at the top: the primary of VITALS_WORKERS serves nothing and stays small without it.
  const { createRuntime } = await import('./runtime.ts');
  const runtime = await createRuntime(config, logger, { spoolDir });
  if (index !== undefined) identifyWorker(runtime.app, index);
  const address = await runtime.listen();
  const redis = `${config.redis.mode} ${config.redis.host}:${config.redis.port}`;
  if (index === undefined) logger.info({ address, redis }, 'vitals server listening');
  else {
    logger.info({ address, redis }, 'worker listening');
    process.send?.({ vitals: 'listening', address } satisfies ListeningMessage);
  }
  // A worker may get a signal twice (from the service manager and from the primary); a second one must
  // not kill it mid-shutdown. A process on its own keeps the default for a second Ctrl-C: exit at once.
  onShutdownSignal(
    (signal) => shutdown(runtime, config, logger, signal),
    index === undefined ? 'once' : 'on',
  );
  return runtime;
}

/** Orderly shutdown with a hard deadline. */
function shutdown(runtime: Runtime, config: Config, logger: Logger, signal: NodeJS.Signals): void {
  if (runtime.lifecycle.isClosing) return;
  logger.info({ signal }, 'shutting down');
  const deadline = setTimeout(() => {
    logger.error({ timeoutMs: config.server.shutdownTimeoutMs }, 'shutdown deadline passed; forcing exit');
    process.exit(1);
  }, config.server.shutdownTimeoutMs);
  deadline.unref();
  runtime.close().then(
    () => {
      logger.info('shutdown complete');
      logger.flush?.();
      process.exit(0);
    },
    (err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    },
  );
}

/** The primary: workers up, then on SIGTERM/SIGINT everything down in order; exits with its code. */
async function runPrimary(config: Config, logger: Logger): Promise<void> {
  let primary: Primary;
  try {
    primary = await startPrimary(config, logger);
  } catch (err: unknown) {
    logger.error({ err }, 'the workers did not start');
    logger.flush?.();
    process.exit(1);
  }
  let stopping = false;
  onShutdownSignal((signal) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down the workers');
    primary.stop(signal).then(
      async (code) => {
        logger.info({ code }, code === 0 ? 'shutdown complete' : 'shutdown finished with errors');
        logger.flush?.();
        process.exit(code);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  }, 'on');
}

function onShutdownSignal(handler: (signal: NodeJS.Signals) => void, mode: 'on' | 'once'): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process[mode](signal, handler);
}
