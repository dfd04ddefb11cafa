import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long encoding a window or a head holds the event loop before it lets requests in. */
export const SLICE_MS = 4;

/**
 * A function to await between the columns of a long encoding: it lets the event loop run (sockets,
 * timers) once the work since the last turn took `sliceMs`, and costs nothing otherwise. Sealing a
 * 2-hour window of a 30-series host at 5 s, or compacting its head, encodes ~43,000 samples in one
 * go, tens of ms during which no request is answered.
 */
export function sliced(sliceMs = SLICE_MS): () => Promise<void> | undefined {
  let since = performance.now();
  return () => {
    if (performance.now() - since < sliceMs) return undefined;
    return nextTurn().then(() => {
      since = performance.now();
    });
  };
}
