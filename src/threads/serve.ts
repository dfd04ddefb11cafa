import { parentPort } from 'node:worker_threads';
import type { Job } from './pool.ts';
import { transferables } from './transfer.ts';

/**
 * The body of a pool thread: answers every request with `run`'s reply, or with `failed`'s for what it
 * threw, handing the reply's buffers over without copying.
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
        (reply) => port.postMessage(reply, transferables(reply)),
        (err: unknown) => port.postMessage(failed(request.id, err)),
      );
  });
}
