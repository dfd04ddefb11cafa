import { type Config, ConfigError, createLogger, loadConfig } from '../config/index.ts';
import { createRuntime, type Runtime } from './runtime.ts';

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

/** `vitals server`: starts everything, then shuts down in order on SIGTERM/SIGINT with a hard deadline. */
export async function runServer(env: NodeJS.ProcessEnv = process.env): Promise<Runtime | undefined> {
  const config = configOrExit(env);
  if (!config) return undefined;
  const logger = createLogger(config.server);
  const runtime = await createRuntime(config, logger);
  const address = await runtime.listen();
  logger.info(
    { address, redis: `${config.redis.mode} ${config.redis.host}:${config.redis.port}` },
    'vitals server listening',
  );

  const shutdown = (signal: NodeJS.Signals) => {
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
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  return runtime;
}
