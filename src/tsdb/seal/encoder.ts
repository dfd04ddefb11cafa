import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TsdbContext } from '../options.ts';
import {
  CorruptPartError,
  compactBlock,
  planWindow,
  type WindowJob,
  type WindowPlan,
} from './encode-jobs.ts';
import { type EncoderReply, type EncoderRequest, transferables } from './encoder-protocol.ts';

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

interface Pending {
  resolve(reply: EncoderReply): void;
  reject(err: Error): void;
}

/** One encoder thread and the jobs it has not answered yet. */
class EncoderThread {
  readonly pending = new Map<number, Pending>();
  /** Set once the thread answered anything: a thread that dies before that could not start. */
  started = false;

  constructor(
    readonly worker: Worker,
    private readonly onGone: (thread: EncoderThread, err: Error) => void,
  ) {
    worker.unref();
    worker.on('message', (reply: EncoderReply) => this.answer(reply));
    worker.on('error', (err) => this.gone(err));
    worker.on('messageerror', (err) => this.gone(err));
    worker.on('exit', (code) => this.gone(new Error(`encoder thread exited with code ${code}`)));
  }

  send(request: EncoderRequest): Promise<EncoderReply> {
    return new Promise((resolve, reject) => {
      // Busy threads keep the process alive until they answer; idle ones do not.
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(request.id, { resolve, reject });
      this.worker.postMessage(request, transferables(request));
    });
  }

  private answer(reply: EncoderReply): void {
    this.started = true;
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    pending.resolve(reply);
  }

  private gone(err: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.onGone(this, err);
    for (const job of pending) job.reject(err);
  }
}

/** Encoder threads, started as jobs need them, up to `threads`. Exported for tests. */
export class EncoderPool implements Encoder {
  /** Jobs answered by a thread, and run on the event loop because no thread could start. */
  readonly ran = { threads: 0, inline: 0 };
  private readonly live: EncoderThread[] = [];
  private nextId = 1;
  /** Set when a thread could not start: from then on jobs run on the event loop. */
  private failed: Error | undefined;

  constructor(
    readonly threads: number,
    private readonly start: () => Worker = startWorker,
  ) {}

  async planWindow(job: WindowJob): Promise<WindowPlan> {
    const window: Record<string, Uint8Array> = {};
    for (const [name, bytes] of Object.entries(job.window)) window[name] = own(bytes);
    const reply = await this.run((id) => ({
      id,
      kind: 'window',
      job: { ...job, head: own(job.head), window },
    }));
    if (reply && 'window' in reply) return reply.window;
    this.ran.inline++;
    return planWindow(job);
  }

  async compactBlock(head: Uint8Array): Promise<Uint8Array> {
    const reply = await this.run((id) => ({ id, kind: 'compact', head: own(head) }));
    if (reply && 'block' in reply) return reply.block;
    this.ran.inline++;
    return compactBlock(head);
  }

  /** The thread's answer; undefined when no thread can run it (the caller runs it inline). */
  private async run(request: (id: number) => EncoderRequest): Promise<EncoderReply | undefined> {
    const thread = this.failed ? undefined : this.pick();
    if (!thread) return undefined;
    let reply: EncoderReply;
    try {
      reply = await thread.send(request(this.nextId++));
    } catch (err: unknown) {
      // The thread could not start (this.failed is set by then): the job runs inline.
      if (this.failed) return undefined;
      throw err;
    }
    this.ran.threads++;
    if ('error' in reply) {
      const { message, part } = reply.error;
      throw part ? new CorruptPartError(part, message) : new Error(message);
    }
    return reply;
  }

  /** The least busy thread, starting one while fewer than `threads` run. */
  private pick(): EncoderThread | undefined {
    const idle = this.live.find((thread) => thread.pending.size === 0);
    if (idle) return idle;
    if (this.live.length < this.threads) {
      try {
        const thread = new EncoderThread(this.start(), (gone, err) => this.forget(gone, err));
        this.live.push(thread);
        return thread;
      } catch (err: unknown) {
        this.fail(err instanceof Error ? err : new Error(String(err)));
        return undefined;
      }
    }
    return this.live.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  private forget(thread: EncoderThread, err: Error): void {
    const at = this.live.indexOf(thread);
    if (at >= 0) this.live.splice(at, 1);
    if (!thread.started) this.fail(err);
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = err;
    process.emitWarning(`encoder threads unavailable, sealing encodes on the event loop: ${err.message}`);
  }
}

/** A copy of the bytes that owns its buffer, so it can be transferred without taking the caller's. */
function own(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/**
 * Compiled, the thread runs encode-worker.js beside this file. From the TypeScript sources (tests, a
 * checkout run through tsx) it registers tsx first, which a worker's own execArgv cannot do.
 */
function startWorker(): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(`./encode-worker.${fromSources ? 'ts' : 'js'}`, import.meta.url).href;
  if (!fromSources) return new Worker(new URL(entry));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(
    /\.cjs$/,
    '.mjs',
  );
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true });
}
