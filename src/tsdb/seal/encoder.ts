import type { Worker } from 'node:worker_threads';
import { startThread, ThreadPool } from '../../threads/pool.ts';
import { owned } from '../../threads/transfer.ts';
import type { TsdbContext } from '../options.ts';
import {
  CorruptPartError,
  compactBlock,
  planWindow,
  type WindowJob,
  type WindowPlan,
} from './encode-jobs.ts';
import type { EncoderReply, EncoderRequest } from './encoder-protocol.ts';

/**
 * Runs the decoding and encoding of sealing and compaction (encode-jobs.ts), tens of ms per host window,
 * on encoder threads instead of the event loop, so requests are not kept waiting behind them: the
 * process' second core does it. With 0 threads the jobs run on the event loop (in 4-ms slices).
 */
export interface Encoder {
  readonly threads: number;
  planWindow(job: WindowJob): Promise<WindowPlan>;
  compactBlock(head: Uint8Array): Promise<Uint8Array>;
}

const inline: Encoder = { threads: 0, planWindow, compactBlock };

const pools = new Map<number, Encoder>();

/** The encoder a storage context's options ask for (`encodeThreads`, 1 when absent). */
export function encoderOf(ctx: TsdbContext): Encoder {
  return encoderWith(ctx.options.encodeThreads ?? 1);
}

/**
 * The process' encoder with `threads` threads, shared by every storage context asking for that many.
 * Threads start on first use and do not keep the process alive while idle.
 */
export function encoderWith(threads: number): Encoder {
  if (threads <= 0) return inline;
  let pool = pools.get(threads);
  if (!pool) {
    pool = new EncoderPool(threads);
    pools.set(threads, pool);
  }
  return pool;
}

/** Encoder threads (exported for tests, which give it other threads to start). */
export class EncoderPool implements Encoder {
  private readonly pool: ThreadPool<EncoderRequest, EncoderReply>;

  constructor(
    readonly threads: number,
    start: () => Worker = () => startThread(import.meta.url, 'encode-worker'),
  ) {
    this.pool = new ThreadPool('sealing', threads, start);
  }

  get ran(): { readonly threads: number; readonly inline: number } {
    return this.pool.ran;
  }

  planWindow(job: WindowJob): Promise<WindowPlan> {
    const window: Record<string, Uint8Array> = {};
    for (const [name, bytes] of Object.entries(job.window)) window[name] = owned(bytes);
    return this.pool.run(
      (id) => ({ id, kind: 'window', job: { ...job, head: owned(job.head), window } }),
      (reply) => ('window' in reply ? reply.window : failure(reply)),
      () => planWindow(job),
    );
  }

  compactBlock(head: Uint8Array): Promise<Uint8Array> {
    return this.pool.run(
      (id) => ({ id, kind: 'compact', head: owned(head) }),
      (reply) => ('block' in reply ? reply.block : failure(reply)),
      () => compactBlock(head),
    );
  }
}

/** The error a thread answered with, as the job would have thrown it on the event loop. */
function failure(reply: EncoderReply): never {
  const error = 'error' in reply ? reply.error : { message: 'unexpected reply', part: undefined };
  throw error.part ? new CorruptPartError(error.part, error.message) : new Error(error.message);
}
