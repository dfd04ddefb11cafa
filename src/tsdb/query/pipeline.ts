import { type ChainableCommander, Cluster } from 'ioredis';
import type { FailureKind, FailureOptions } from '../../contract/index.ts';
import type { RedisClient } from '../../redis/index.ts';
import { TsdbError } from '../errors.ts';

/**
 * Reading from Redis failed (connection lost, timeout, a command error). A retry can help; callers in
 * degraded mode may answer from the hot tier instead and mark the answer partial.
 */
export class QueryUnavailableError extends TsdbError {
  override name = 'QueryUnavailableError';
  readonly kind: FailureKind = 'unavailable';
  constructor(message: string, options: FailureOptions = {}) {
    super(message, { retryAfterSec: 5, ...options });
  }
}

export type AddCommands = (pipeline: ChainableCommander) => void;

/** Runs one host's commands as one pipeline: its keys share the `{org:host}` tag, so one slot on Cluster. */
export async function execHost(redis: RedisClient, add: AddCommands): Promise<unknown[]> {
  const pipeline = redis.pipeline();
  add(pipeline);
  if (pipeline.length === 0) return [];
  return repliesOf(await run(pipeline));
}

/**
 * Runs the commands of many hosts and returns each host's replies in order. One pipeline on standalone
 * and Sentinel Redis; on Cluster a pipeline must stay within one slot, so one per host, concurrently.
 */
export async function execHosts(redis: RedisClient, adds: readonly AddCommands[]): Promise<unknown[][]> {
  if (redis instanceof Cluster) return Promise.all(adds.map((add) => execHost(redis, add)));
  const pipeline = redis.pipeline();
  const counts = adds.map((add) => {
    const before = pipeline.length;
    add(pipeline);
    return pipeline.length - before;
  });
  const replies = pipeline.length === 0 ? [] : repliesOf(await run(pipeline));
  let at = 0;
  return counts.map((n) => {
    at += n;
    return replies.slice(at - n, at);
  });
}

type Replies = Array<[Error | null, unknown]>;

async function run(pipeline: ChainableCommander): Promise<Replies> {
  try {
    return (await pipeline.exec()) ?? [];
  } catch (err: unknown) {
    throw new QueryUnavailableError('reading from Redis failed', { cause: err });
  }
}

function repliesOf(replies: Replies): unknown[] {
  const failed = replies.find(([err]) => err);
  if (failed?.[0])
    throw new QueryUnavailableError(`a read command failed: ${failed[0].message}`, { cause: failed[0] });
  return replies.map(([, value]) => value);
}

export function asBuffer(reply: unknown): Buffer | undefined {
  return Buffer.isBuffer(reply) ? reply : undefined;
}

export function asBuffers(reply: unknown): Array<Buffer | null> {
  return Array.isArray(reply) ? (reply as Array<Buffer | null>) : [];
}
