// Entry of an encoder thread (`encoder.ts`): runs the jobs of encode-jobs.ts on the bytes it is sent.
import { serveJobs } from '../../threads/serve.ts';
import { CorruptPartError, compactBlock, planWindow } from './encode-jobs.ts';
import type { EncoderReply, EncoderRequest } from './encoder-protocol.ts';

serveJobs<EncoderRequest, EncoderReply>(
  async (request) =>
    request.kind === 'window'
      ? { id: request.id, window: await planWindow(request.job) }
      : { id: request.id, block: await compactBlock(request.head) },
  (id, err) => ({
    id,
    error: {
      message: err instanceof Error ? err.message : String(err),
      part: err instanceof CorruptPartError ? err.part : undefined,
    },
  }),
);
