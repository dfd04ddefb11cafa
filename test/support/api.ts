import type { Response as LightResponse } from 'light-my-request';
import { pino } from 'pino';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/cli/runtime.ts';
import type { Logger } from '../../src/config/index.ts';
import { testConfig } from './config.ts';

export const ADMIN_TOKEN = `vt_${'a'.repeat(43)}`;

export interface ApiEnv {
  readonly runtime: Runtime;
  /** Sends a request as the admin token of the default org (or another token). */
  call(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    options?: { payload?: unknown; headers?: Record<string, string>; token?: string },
  ): Promise<LightResponse>;
  close(): Promise<void>;
}

/** A full server runtime (no listening socket) on a private Redis, bootstrapped with a known admin token. */
export async function apiEnv(
  redisUrl: string,
  prefix: string,
  env: Record<string, string> = {},
  options: RuntimeOptions = {},
  /**
   * `waitForRedis: false` returns at once, for servers started while Redis is down. `logger`: the
   * runtime's logger (default: silent), e.g. `createLogger({ logLevel: 'trace' }, sink)` to read the log.
   */
  start: { waitForRedis?: boolean; logger?: Logger } = {},
): Promise<ApiEnv> {
  const config = testConfig({
    REDIS_URL: redisUrl,
    VITALS_KEY_PREFIX: prefix,
    VITALS_ADMIN_TOKEN: ADMIN_TOKEN,
    VITALS_LOCAL_AGENT: 'false',
    ...env,
  });
  const runtime = await createRuntime(config, start.logger ?? pino({ level: 'silent' }), options);
  if (start.waitForRedis !== false) {
    await waitReady(runtime);
    await runtime.api.tenancy.bootstrap({ adminToken: ADMIN_TOKEN });
  }
  return {
    runtime,
    call: (method, url, options = {}) =>
      runtime.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${options.token ?? ADMIN_TOKEN}`, ...options.headers },
        ...(options.payload === undefined
          ? {}
          : typeof options.payload === 'string' || Buffer.isBuffer(options.payload)
            ? { payload: options.payload }
            : { payload: options.payload as object }),
      }),
    close: () => runtime.close(),
  };
}

async function waitReady(runtime: Runtime): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (runtime.redis.status !== 'ready') {
    if (Date.now() > deadline) throw new Error('Redis connection not ready');
    await new Promise((r) => setTimeout(r, 20));
  }
}
