import { type ChainableCommander, Cluster } from 'ioredis';
import type { FailureKind, FailureOptions } from '../../contract/index.ts';
import type { RedisClient } from '../../redis/index.ts';
import { isReadOnlyScript } from '../../redis/local-writes.ts';
import { TsdbError } from '../errors.ts';
import type { TsdbContext } from '../options.ts';

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

/** A command as a read path added it to a pipeline. */
interface Recorded {
  readonly name: string;
  readonly args: readonly unknown[];
}

/**
 * The commands the window reads use, all of them reads of sealed data and indexes; `getBuffer` (a
 * window's head, appended to with every push) is not among them, so a read that includes a head always
 * goes to Redis. `call`/`callBuffer` are the `EVAL`s of the read scripts (zscores-each, hmget-each).
 */
const KEEPABLE = new Set(['zrangebyscore', 'hmgetBuffer', 'call', 'callBuffer']);

/** Long arguments (script texts) by a short name in read ids. */
const LONG_ARGS = new Map<string, string>();

function keepable(c: Recorded): boolean {
  if (!KEEPABLE.has(c.name)) return false;
  return c.name.startsWith('call') ? c.args[0] === 'EVAL' && isReadOnlyScript(c.args[1]) : true;
}

function record(add: AddCommands): Recorded[] {
  const commands: Recorded[] = [];
  const recorder: ChainableCommander = new Proxy({} as ChainableCommander, {
    get(_target, name) {
      if (name === 'length') return commands.length;
      return (...args: unknown[]) => {
        commands.push({ name: String(name), args });
        return recorder;
      };
    },
  });
  add(recorder);
  return commands;
}

function replay(commands: readonly Recorded[]): AddCommands {
  return (p) => {
    for (const c of commands) Reflect.apply(Reflect.get(p, c.name) as () => unknown, p, c.args);
  };
}

/** The keys a recorded command reads: the first argument, or an EVAL's KEYS. */
function keysOf(c: Recorded): unknown[] {
  if (c.name === 'call' || c.name === 'callBuffer') return c.args.slice(3, 3 + Number(c.args[2]));
  return c.args.slice(0, 1);
}

function idOf(commands: readonly Recorded[]): string {
  return JSON.stringify(
    commands.map((c) => [
      c.name,
      ...c.args.map((a) => {
        if (typeof a !== 'string' || a.length <= 256) return a;
        let name = LONG_ARGS.get(a);
        if (name === undefined) {
          name = `#${LONG_ARGS.size}`;
          LONG_ARGS.set(a, name);
        }
        return name;
      }),
    ]),
  );
}

/**
 * `execHost` for the window reads of queries: through the tracked read cache (redis/tracked-reads.ts)
 * when the context has one that is on, so that reads of sealed windows and indexes nothing changed
 * since are answered from this process' memory. The replies may be shared: callers must not change them.
 */
export async function execHostTracked(ctx: TsdbContext, add: AddCommands): Promise<readonly unknown[]> {
  const reads = ctx.reads;
  if (!reads?.active) return execHost(ctx.redis, add);
  const commands = record(add);
  if (commands.length === 0) return [];
  const again = replay(commands);
  if (!commands.every(keepable)) return execHost(ctx.redis, again);
  const keys = [...new Set(commands.flatMap(keysOf).map(String))];
  return reads.read(idOf(commands), keys, (client) => execHost(client ?? ctx.redis, again));
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
