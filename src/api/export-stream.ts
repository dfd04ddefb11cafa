import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

/**
 * Passes chunks on at most `bytesPerSec` on average (a chunk's bytes are paid for after it went out),
 * and between two chunks always waits for the event loop's next turn: other requests' I/O is served
 * between them, so a running export delays them by one chunk's work at most, and takes a bounded
 * share of the process however many bytes it has left.
 */
export async function* paced(chunks: AsyncIterable<string>, bytesPerSec: number): AsyncGenerator<string> {
  let due = performance.now();
  for await (const chunk of chunks) {
    yield chunk;
    // Time that passed while the client was slow to read is not saved up for a burst afterwards.
    const now = performance.now();
    due = Math.max(now, due + (Buffer.byteLength(chunk) / bytesPerSec) * 1000);
    const wait = due - now;
    if (wait >= 1) await sleep(wait);
    else await nextTurn();
  }
}
