import { parentPort } from 'node:worker_threads';
import type { Job } from './pool.ts';
import { transferables } from './transfer.ts';

/**
 * The body of a pool thread: answers every request with `run`'s reply, or with `failed`'s for what it
 * threw or for a reply that could not be posted, handing the reply's buffers over without copying.
 */
export function serveJobs<Req extends Job, Reply extends Job>(
  run: (request: Req) => Reply | Promise<Reply>,
  failed: (id: number, err: unknown) => Reply,
): void {
  const port = parentPort;
  if (!port) throw new Error('serveJobs runs in a worker thread');
  port.on('message', (request: Req) => {
    Promise.resolve()
      .then(() => run(request))
      .then(
        (reply) => {
          // A reply that cannot be cloned (a function, a symbol…) fails its job, not the thread.
          try {
            port.postMessage(reply, transferables(reply));
          } catch (err: unknown) {
            port.postMessage(failed(request.id, err));
          }
        },
        (err: unknown) => port.postMessage(failed(request.id, err)),
      );
  });
}
