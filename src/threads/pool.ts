import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { transferables } from './transfer.ts';

/** What every request and reply between the event loop and a pool thread carries. */
export interface Job {
  readonly id: number;
}

interface Pending<Reply> {
  resolve(reply: Reply): void;
  reject(err: Error): void;
}

/** One thread of a pool and the jobs it has not answered yet. */
class PoolThread<Req extends Job, Reply extends Job> {
  readonly pending = new Map<number, Pending<Reply>>();
  /** Set once the thread answered anything: a thread that dies before that could not start. */
  started = false;

  constructor(
    readonly worker: Worker,
    private readonly onGone: (thread: PoolThread<Req, Reply>, err: Error) => void,
  ) {
    worker.unref();
    worker.on('message', (reply: Reply) => this.answer(reply));
    worker.on('error', (err) => this.gone(err));
    worker.on('messageerror', (err) => this.gone(err));
    worker.on('exit', (code) => this.gone(new Error(`thread exited with code ${code}`)));
  }

  send(request: Req): Promise<Reply> {
    return new Promise((resolve, reject) => {
      // Posted first: a request that cannot be cloned throws here and leaves nothing pending.
      this.worker.postMessage(request, transferables(request));
      // Busy threads keep the process alive until they answer; idle ones do not.
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(request.id, { resolve, reject });
    });
  }

  private answer(reply: Reply): void {
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

/**
 * Up to `threads` worker threads, started as jobs need them, each job to the least busy one. If a
 * thread cannot start, the pool says so once (a process warning) and from then on every job runs
 * inline, on the event loop. Threads do not keep an idle process alive.
 */
export class ThreadPool<Req extends Job, Reply extends Job> {
  /** Jobs answered by a thread, and jobs run inline because no thread could start. */
  readonly ran = { threads: 0, inline: 0 };
  private readonly live: PoolThread<Req, Reply>[] = [];
  private nextId = 1;
  private failed: Error | undefined;

  constructor(
    /** Named in the warning: what the threads do. */
    private readonly purpose: string,
    readonly threads: number,
    private readonly start: () => Worker,
  ) {}

  /** Jobs sent to threads and not answered yet. */
  get pending(): number {
    return this.live.reduce((n, thread) => n + thread.pending.size, 0);
  }

  /** The job's result from a thread (`read` its reply), or from `inline` when no thread can run it. */
  async run<R>(
    request: (id: number) => Req,
    read: (reply: Reply) => R,
    inline: () => R | Promise<R>,
  ): Promise<R> {
    const thread = this.failed ? undefined : this.pick();
    if (thread) {
      let reply: Reply | undefined;
      try {
        reply = await thread.send(request(this.nextId++));
      } catch (err: unknown) {
        // Only a thread that could not start (this.failed is set by then) passes its job on.
        if (!this.failed) throw err;
      }
      if (reply) {
        this.ran.threads++;
        return read(reply);
      }
    }
    this.ran.inline++;
    return inline();
  }

  private pick(): PoolThread<Req, Reply> | undefined {
    const idle = this.live.find((thread) => thread.pending.size === 0);
    if (idle) return idle;
    if (this.live.length < this.threads) {
      try {
        const thread = new PoolThread<Req, Reply>(this.start(), (gone, err) => this.forget(gone, err));
        this.live.push(thread);
        return thread;
      } catch (err: unknown) {
        this.fail(err instanceof Error ? err : new Error(String(err)));
        return undefined;
      }
    }
    return this.live.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  private forget(thread: PoolThread<Req, Reply>, err: Error): void {
    const at = this.live.indexOf(thread);
    if (at >= 0) this.live.splice(at, 1);
    if (!thread.started) this.fail(err);
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = err;
    process.emitWarning(`${this.purpose}: threads unavailable, running on the event loop: ${err.message}`);
  }
}

/**
 * A thread running `entry` (a module name without extension, beside the module whose
 * `import.meta.url` is `from`). Compiled, that is the `.js` file. From the TypeScript sources (tests,
 * a checkout run through tsx) the thread registers tsx first, which a worker's own execArgv cannot do.
 */
export function startThread(from: string, entry: string): Worker {
  const fromSources = from.endsWith('.ts');
  const url = new URL(`./${entry}.${fromSources ? 'ts' : 'js'}`, from);
  if (!fromSources) return new Worker(url);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(
    /\.cjs$/,
    '.mjs',
  );
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true });
}
