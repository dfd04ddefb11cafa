import type { RedisClient } from './connection.ts';

/**
 * PING round trip in ms, bounded by `timeoutMs` so a frozen Redis answers "no" quickly instead of
 * waiting for the socket timeout. Rejects with the underlying error.
 */
export async function pingMs(client: RedisClient, timeoutMs: number): Promise<number> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no PING reply within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([client.ping(), timeout]);
    return performance.now() - start;
  } finally {
    clearTimeout(timer);
  }
}
