// Entry of an encoder thread (`encoder.ts`): runs the jobs of encode-jobs.ts on the bytes it is sent and
// hands the encoded bytes back without copying them (transferred).
import { parentPort } from 'node:worker_threads';
import { CorruptPartError, compactBlock, planWindow } from './encode-jobs.ts';
import { type EncoderReply, type EncoderRequest, transferables } from './encoder-protocol.ts';

const port = parentPort;
if (!port) throw new Error('encode-worker.ts runs as a worker thread');

port.on('message', (request: EncoderRequest) => {
  run(request).then(
    (reply) => port.postMessage(reply, transferables(reply)),
    (err: unknown) =>
      port.postMessage({
        id: request.id,
        error: {
          message: err instanceof Error ? err.message : String(err),
          part: err instanceof CorruptPartError ? err.part : undefined,
        },
      } satisfies EncoderReply),
  );
});

async function run(request: EncoderRequest): Promise<EncoderReply> {
  if (request.kind === 'window') return { id: request.id, window: await planWindow(request.job) };
  return { id: request.id, block: await compactBlock(request.head) };
}
