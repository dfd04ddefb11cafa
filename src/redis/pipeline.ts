import calculateSlot from 'cluster-key-slot';
import { type ChainableCommander, Cluster } from 'ioredis';
import type { RedisClient } from './connection.ts';

/** One command for `execGrouped`: the key that decides its slot, and how to add it to a pipeline. */
export interface PipelineOp {
  readonly key: string;
  readonly add: (pipeline: ChainableCommander) => void;
}

export interface ExecOptions {
  /** Replicas each pipeline's writes must reach (`WAIT`) before it resolves. */
  readonly waitReplicas?: { readonly count: number; readonly timeoutMs: number };
}

/**
 * Thrown when fewer replicas than asked confirmed a pipeline's writes in time. The writes are on the
 * master; `isUnavailable` counts it as Redis not serving now, so a writer spools and retries them.
 */
export class ReplicasError extends Error {
  override name = 'ReplicasError';
}

/** Thrown when a command of a pipeline failed; `cause` is the first command error. */
export class PipelineError extends Error {
  override name = 'PipelineError';
}

/**
 * Runs commands in as few round trips as possible. On standalone and Sentinel Redis that is one
 * pipeline; on Cluster, pipelines must stay within one slot, so commands are grouped by hash slot and
 * the groups run concurrently. Rejects if any command failed (the others may have run: every write
 * Vitals pipelines is idempotent in effect).
 */
export async function execGrouped(
  client: RedisClient,
  ops: readonly PipelineOp[],
  options: ExecOptions = {},
): Promise<unknown[]> {
  if (ops.length === 0) return [];
  if (!(client instanceof Cluster)) return execOne(client, ops, options);
  const groups = new Map<number, number[]>();
  ops.forEach((op, i) => {
    const slot = calculateSlot(op.key);
    const group = groups.get(slot);
    if (group) group.push(i);
    else groups.set(slot, [i]);
  });
  // Replies come back in the order the ops were given, whatever the grouping.
  const out = new Array<unknown>(ops.length);
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const replies = await execOne(
        client,
        indexes.map((i) => ops[i] as PipelineOp),
        options,
      );
      indexes.forEach((at, k) => {
        out[at] = replies[k];
      });
    }),
  );
  return out;
}

/**
 * Deletes `keys`: one DEL of them all on standalone and Sentinel Redis; on Cluster, where one command
 * stays within one slot, a DEL per key in pipelines grouped by slot (`execGrouped`).
 */
export function deleteKeys(client: RedisClient, keys: readonly string[]): Promise<unknown> {
  if (keys.length === 0) return Promise.resolve(0);
  if (!(client instanceof Cluster)) return client.del(...keys);
  return execGrouped(
    client,
    keys.map((key) => ({ key, add: (p) => p.del(key) })),
  );
}

async function execOne(
  client: RedisClient,
  ops: readonly PipelineOp[],
  options: ExecOptions,
): Promise<unknown[]> {
  const pipeline = client.pipeline();
  for (const op of ops) op.add(pipeline);
  const wait = options.waitReplicas;
  // WAIT has no key: on Cluster it goes to the node the group's keys are on, after its writes.
  if (wait && wait.count > 0) pipeline.wait(wait.count, wait.timeoutMs);
  const replies = (await withClusterDeadline(client, pipeline.exec())) ?? [];
  const failed = replies.find(([err]) => err);
  if (failed?.[0])
    throw new PipelineError(`pipelined command failed: ${failed[0].message}`, { cause: failed[0] });
  if (wait && wait.count > 0) {
    const reached = Number(replies.pop()?.[1]);
    if (!(reached >= wait.count)) {
      throw new ReplicasError(
        `${reached} of ${wait.count} replicas confirmed the writes within ${wait.timeoutMs} ms (VITALS_DURABLE_REPLICAS)`,
      );
    }
  }
  return replies.map(([, value]) => value);
}

/**
 * A Cluster pipeline's replies, or "Command timed out" once the client's command deadline has passed.
 * ioredis runs a Cluster pipeline of read-only commands again when they all failed with "Connection is
 * closed." (a frozen node's socket timeout, which can fire before the commands' own deadline): the
 * pipeline then waited for the failover (node timeout + election, seconds), past every deadline. A
 * pipeline given up on here may still run later: reads only, so nothing is written twice.
 */
function withClusterDeadline<T>(client: RedisClient, exec: Promise<T>): Promise<T> {
  const ms = client instanceof Cluster ? client.options.redisOptions?.commandTimeout : undefined;
  if (!ms) return exec;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('Command timed out (Cluster pipeline)')), ms);
  });
  exec.catch(() => undefined);
  return Promise.race([exec, deadline]).finally(() => clearTimeout(timer));
}
