import type { ConnectionOptions } from 'node:tls';
import { Redis } from 'ioredis';
import { HOST } from './free-port.ts';

/**
 * Short-lived connections for the harness' own checks. They never retry or queue, so a server that is
 * down, loading or frozen yields an error within `timeoutMs` instead of a hang.
 */
export async function withConnection<T>(
  port: number,
  fn: (client: Redis) => Promise<T>,
  timeoutMs = 1000,
  password?: string,
  /** TLS options for a TLS-only server (see `StartRedisOptions.tls`). */
  tls?: ConnectionOptions,
): Promise<T> {
  const client = new Redis({
    host: HOST,
    port,
    password,
    tls,
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

/** Runs one command on a fresh connection and returns its reply as a string. */
export function command(port: number, name: string, ...args: (string | number)[]): Promise<string> {
  return withConnection(port, async (client) => String(await client.call(name, ...args)));
}

/** Parses `INFO` / `CLUSTER INFO` text (`key:value` lines) into a map. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/**
 * True once the server answers PING and is not loading its dataset. PING already fails with LOADING
 * while the AOF is replayed; INFO is checked too so the answer does not depend on that detail.
 * Sentinels have no persistence section, hence "not loading" rather than "loading:0".
 */
export async function isReady(port: number, password?: string, tls?: ConnectionOptions): Promise<boolean> {
  return withConnection(
    port,
    async (client) => {
      if ((await client.ping()) !== 'PONG') return false;
      return parseInfo(await client.info('persistence')).get('loading') !== '1';
    },
    1000,
    password,
    tls,
  );
}
