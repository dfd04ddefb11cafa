import type { RedisClient } from './connection.ts';

/**
 * Writes this process sends to Redis, by hash tag (`{org:host}`: every key of one host carries it), as
 * they are sent and when they are answered. The tracked-read cache (tracked-reads.ts) listens: Redis'
 * own invalidation messages reach it on another connection, so without this a write's answer could
 * arrive before the message about it, and a read right after the write be answered from the cache.
 */
export interface LocalWriteListener {
  /** A write naming keys of this tag was sent. */
  sent(tag: string): void;
  /** That write was answered (or failed). */
  settled(tag: string): void;
}

const listeners = new Set<LocalWriteListener>();

export function onLocalWrites(listener: LocalWriteListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Commands Vitals sends that change nothing (anything else counts as a write, which only costs a drop). */
const READS = new Set([
  'get',
  'getrange',
  'strlen',
  'mget',
  'hget',
  'hmget',
  'hgetall',
  'hlen',
  'hexists',
  'hkeys',
  'hvals',
  'hstrlen',
  'hscan',
  'zrange',
  'zrangebyscore',
  'zrevrangebyscore',
  'zrevrange',
  'zscore',
  'zcard',
  'zcount',
  'zscan',
  'smembers',
  'scard',
  'sismember',
  'lrange',
  'llen',
  'exists',
  'ttl',
  'pttl',
  'type',
  'memory',
  'ping',
  'info',
  'time',
  'client',
  'subscribe',
  'unsubscribe',
  'publish',
  'select',
  'auth',
  'hello',
  'cluster',
  'readonly',
  'slowlog',
  'latency',
  'xrange',
  'xrevrange',
  'xlen',
  'xinfo',
  'multi',
  'exec',
  'wait',
  'watch',
  'unwatch',
]);

interface SentCommand {
  readonly name: string;
  readonly args: readonly unknown[];
  readonly promise: Promise<unknown>;
}

/** The hash tags of a command's key-like arguments (strings holding `{…}`; values may hold some too). */
function tagsOf(command: SentCommand): string[] {
  const name = command.name.toLowerCase();
  if (READS.has(name)) return [];
  const tags: string[] = [];
  for (const arg of command.args) {
    if (typeof arg !== 'string') continue;
    const open = arg.indexOf('{');
    if (open < 0) continue;
    const close = arg.indexOf('}', open + 1);
    if (close > open + 1) {
      const tag = arg.slice(open, close + 1);
      if (!tags.includes(tag)) tags.push(tag);
    }
  }
  return tags;
}

/**
 * Reports the writes a connection sends to `onLocalWrites` listeners; its duplicates report theirs too.
 * Costs a Set lookup per command while nobody listens.
 */
export function reportWrites(client: RedisClient): void {
  const original = client.sendCommand.bind(client) as (c: unknown, s: unknown, n: unknown) => unknown;
  const wrapped = (command: SentCommand, stream?: unknown, node?: unknown): unknown => {
    if (listeners.size > 0) {
      const tags = tagsOf(command);
      if (tags.length > 0) {
        // Those told of the sending are told of the answer (a listener may come or go meanwhile).
        const told = [...listeners];
        for (const l of told) for (const t of tags) l.sent(t);
        const settle = () => {
          for (const l of told) for (const t of tags) l.settled(t);
        };
        command.promise.then(settle, settle);
      }
    }
    return original(command, stream, node);
  };
  Object.defineProperty(client, 'sendCommand', { value: wrapped, writable: true, configurable: true });
  const duplicate = client.duplicate.bind(client) as (...args: unknown[]) => RedisClient;
  Object.defineProperty(client, 'duplicate', {
    value: (...args: unknown[]) => {
      const copy = duplicate(...args);
      reportWrites(copy);
      return copy;
    },
    writable: true,
    configurable: true,
  });
}
