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
