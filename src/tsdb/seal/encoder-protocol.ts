import type { CorruptPart, WindowJob, WindowPlan } from './encode-jobs.ts';

/** What the event loop sends an encoder thread. */
export type EncoderRequest =
  | { readonly id: number; readonly kind: 'window'; readonly job: WindowJob }
  | { readonly id: number; readonly kind: 'compact'; readonly head: Uint8Array };

/** What it answers: the job's result, or the error it threw (with the part it could not decode). */
export type EncoderReply =
  | { readonly id: number; readonly window: WindowPlan }
  | { readonly id: number; readonly block: Uint8Array }
  | { readonly id: number; readonly error: { readonly message: string; readonly part?: CorruptPart } };

/**
 * The buffers a message can hand over instead of copying: those its byte arrays fill entirely. A view
 * into a larger buffer (Node's small-Buffer pool, say) is copied, since transferring would take the
 * whole buffer away from the sender.
 */
export function transferables(message: unknown): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const visit = (value: unknown): void => {
    if (value instanceof Uint8Array) {
      const { buffer } = value;
      if (buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === buffer.byteLength)
        out.add(buffer);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const item of Object.values(value)) visit(item);
    }
  };
  visit(message);
  return [...out];
}
