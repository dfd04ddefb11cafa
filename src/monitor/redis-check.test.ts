import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST, type RedisServer, startRedis, waitFor } from '../../test/harness/index.ts';
import { loadConfig } from '../config/index.ts';
import { closeRedis, createRedis, type RedisClient } from '../redis/index.ts';
import type { CheckResult } from './health.ts';
import { redisConnectivityCheck } from './redis-check.ts';

const silent = pino({ level: 'silent' });

describe('redisConnectivityCheck against a redis-server that requires a password', () => {
  let server: RedisServer;
  const clients: RedisClient[] = [];
  beforeAll(async () => {
    server = await startRedis({ password: 'right-secret' });
    await server
      .client()
      .call('ACL', 'SETUSER', 'noping', 'on', '>pw', '~*', '-@all', '+hello', '+client', '+info');
  });
  afterAll(async () => {
    for (const client of clients) await closeRedis(client, 200);
    await server?.close();
  });

  /** A request-role connection as the server builds it, to the given URL. */
  function connect(url: string): RedisClient {
    const config = loadConfig({ REDIS_URL: url });
    const client = createRedis({ config: config.redis, logger: silent }, 'request');
    clients.push(client);
    return client;
  }

  async function settle(client: RedisClient, status: CheckResult['status']): Promise<CheckResult> {
    const check = redisConnectivityCheck(client);
    return waitFor(
      async () => {
        const result = (await check()) as CheckResult;
        return result.status === status && result;
      },
      { timeoutMs: 10_000, message: `check status ${status}` },
    );
  }

  it('passes with the right password', async () => {
    const result = await settle(connect(`redis://:right-secret@${HOST}:${server.port}`), 'pass');
    expect(result.observedUnit).toBe('ms');
  });

  it('fails (not warns) with a wrong password, saying the credentials are refused', async () => {
    const result = await settle(connect(`redis://:wrong@${HOST}:${server.port}`), 'fail');
    expect(result.output).toMatch(/refused the credentials.*WRONGPASS/);
  });

  it('fails with no password at all', async () => {
    const result = await settle(connect(`redis://${HOST}:${server.port}`), 'fail');
    expect(result.output).toMatch(/refused the credentials.*NOAUTH/);
  });

  it('fails when the user may not even PING', async () => {
    const result = await settle(connect(`redis://noping:pw@${HOST}:${server.port}`), 'fail');
    expect(result.output).toMatch(/refused the credentials.*NOPERM/);
  });

  it('warns, not fails, while the same server is frozen or stopped, and passes once it is back', async () => {
    const client = connect(`redis://:right-secret@${HOST}:${server.port}`);
    await settle(client, 'pass');
    server.freeze();
    try {
      const frozen = await settle(client, 'warn');
      expect(frozen.output).toContain('running degraded');
    } finally {
      server.thaw();
    }
    await settle(client, 'pass');
    await server.stop();
    try {
      const stopped = await settle(client, 'warn');
      expect(stopped.output).toContain('Redis unreachable');
    } finally {
      await server.restart();
    }
    await settle(client, 'pass');
  });
});
