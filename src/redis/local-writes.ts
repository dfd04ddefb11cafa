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

/** Commands that change nothing: they report no write. */
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
  'xrange',
  'xrevrange',
  'xlen',
]);

/** Texts of scripts that only read (`EVAL` of them reports no write). */
const READ_SCRIPTS = new Set<string>();

/** Marks a script text as read-only for the write reports; returns it. */
export function readOnlyScript(lua: string): string {
  READ_SCRIPTS.add(lua);
  return lua;
}

export function isReadOnlyScript(lua: unknown): boolean {
  return typeof lua === 'string' && READ_SCRIPTS.has(lua);
}

/** Writes whose every argument may be a key (the others name their key first; scripts declare theirs). */
const MANY_KEYS = new Set([
  'del',
  'unlink',
  'rename',
  'renamenx',
  'copy',
  'mset',
  'msetnx',
  'zunionstore',
  'zinterstore',
  'zdiffstore',
  'sunionstore',
  'sinterstore',
  'sdiffstore',
  'rpoplpush',
  'lmove',
  'smove',
]);

interface SentCommand {
  readonly name: string;
  readonly args: readonly unknown[];
  readonly promise: Promise<unknown>;
}

/** `{…}` of a key, if it has one. */
function tagIn(arg: unknown): string | undefined {
  if (typeof arg !== 'string') return undefined;
  const open = arg.indexOf('{');
  if (open < 0) return undefined;
  const close = arg.indexOf('}', open + 1);
  return close > open + 1 ? arg.slice(open, close + 1) : undefined;
}

/** The hash tags of the keys a write names: its first argument, a script's keys, or every argument. */
function tagsOf(command: SentCommand): string[] {
  const name = command.name.toLowerCase();
  const { args } = command;
  if (READS.has(name) || (name === 'eval' && isReadOnlyScript(args[0]))) return [];
  let keys: readonly unknown[];
  if (name === 'eval' || name === 'evalsha' || name === 'fcall') keys = args.slice(2, 2 + Number(args[1]));
  else if (MANY_KEYS.has(name)) keys = args;
  else keys = args.slice(0, 1);
  const tags: string[] = [];
  for (const key of keys) {
    const tag = tagIn(key);
    if (tag !== undefined && !tags.includes(tag)) tags.push(tag);
  }
  return tags;
}

/**
 * Reports the writes a connection sends to `onLocalWrites` listeners (`createRedis` installs it on
 * every connection and its duplicates). Costs a Set lookup per command while nobody listens.
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
}
