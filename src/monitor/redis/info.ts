import { Cluster, type Redis } from 'ioredis';
import { parseInfo } from '../../collect/index.ts';
import type { RedisClient } from '../../redis/index.ts';

/**
 * The node a per-server command (INFO, SLOWLOG, LATENCY) goes to: the client itself, or on Cluster its
 * first master (such commands describe one node, and a Cluster client would pick one at random).
 */
export function nodeOf(client: RedisClient): Redis {
  if (!(client instanceof Cluster)) return client;
  const [first] = client.nodes('master');
  if (first === undefined) throw new Error('no Redis Cluster master is known yet');
  return first;
}

/**
 * INFO of one Redis server, parsed: section name (lower case) → field → raw value. `sections` are
 * INFO's arguments (`everything` by default: the default sections leave out commandstats and
 * latencystats; several sections at once need Redis ≥ 7).
 */
export async function readInfo(
  client: RedisClient,
  sections: readonly string[] = ['everything'],
): Promise<Map<string, Map<string, string>>> {
  const text = await nodeOf(client).info(...sections);
  return parseInfo(text);
}
