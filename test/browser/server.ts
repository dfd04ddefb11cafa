import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createRuntime, type Runtime } from '../../src/cli/runtime.ts';
import type { Live } from '../../src/live/index.ts';
import { type RedisServer, startRedis, uniquePrefix, waitFor } from '../harness/index.ts';
import { testConfig } from '../support/config.ts';

export const ADMIN_TOKEN = `vt_${'browser-test-admin-token'.padEnd(43, 'x')}`;

export interface DashboardServer {
  readonly runtime: Runtime;
  readonly live: Live;
  readonly url: string;
  readonly redis: RedisServer;
  /** POSTs one ingest batch as the admin token; resolves once it is durable. */
  ingest(body: unknown): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real server for the browser tests: createRuntime on a private Redis, plus the live fan-out and the
 * dashboard at `/` from `distDir`, wired as the composition root is asked to wire them (see
 * docs/dashboard.md). Until the runtime publishes after writes itself, an onResponse hook on the
 * ingest route stands in for `onWritten → live.publish`.
 */
export async function startDashboardServer(
  distDir: string,
  redisServer?: RedisServer,
): Promise<DashboardServer> {
  const redis = redisServer ?? (await startRedis());
  const config = testConfig({
    REDIS_URL: redis.url,
    VITALS_KEY_PREFIX: uniquePrefix('web'),
    VITALS_ADMIN_TOKEN: ADMIN_TOKEN,
    VITALS_DATA_DIR: mkdtempSync(join(tmpdir(), 'vitals-web-')),
    // One attempt per collection, so a failing target shows up among the failed jobs at once.
    VITALS_COLLECT_ATTEMPTS: '1',
  });
  const runtime = await createRuntime(config, pino({ level: 'silent' }), { webDir: distDir });
  const live = runtime.api.live;
  const url = await runtime.listen();
  // The admin token is registered once Redis answered (bootstrap runs in the background).
  await waitFor(async () => (await fetch(`${url}/api/v1/overview`, { headers: auth() })).status === 200, {
    timeoutMs: 10_000,
    message: 'admin token accepted',
  });
  return {
    runtime,
    live,
    url,
    redis,
    async ingest(body: unknown) {
      const res = await fetch(`${url}/api/v1/ingest`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    },
    async close() {
      await runtime.close();
      if (!redisServer) await redis.close();
    },
  };
}

export function auth(token = ADMIN_TOKEN): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
