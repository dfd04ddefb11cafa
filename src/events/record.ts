import { redactText, redactValue } from '../contract/index.ts';
import type { ConnectionEvent, EventStatus, EventType } from './contract.ts';

export type EventMeta = Readonly<Record<string, string | number | boolean>>;

/** The longest message kept (characters); longer ones are cut, with `…` at the end. */
export const MAX_MESSAGE_CHARS = 1024;

/**
 * One recorded event as the rings and the writer hold it. Built on the caller's path, so the
 * constructor only stores fields: the id string, the redacted message and the redacted meta are made
 * on first use (in the background writer or a query), never by `record()`.
 */
export class StoredEvent {
  private text: string | undefined;
  private clean: boolean;
  private fields: EventMeta | undefined;
  private cleanMeta: boolean;

  constructor(
    readonly org: string,
    readonly type: EventType,
    readonly status: EventStatus,
    readonly at: number,
    readonly seq: number,
    /** The recording process' id (12 hex digits), so ids of two processes never collide. */
    readonly proc: string,
    readonly latencyMs: number | undefined,
    message: string | undefined,
    meta: EventMeta | undefined,
    /** True when `message` and `meta` come from Redis (already redacted when first kept). */
    redacted = false,
  ) {
    this.text = message;
    this.clean = redacted;
    this.fields = meta;
    this.cleanMeta = redacted;
  }

  /** `<at>-<seq>-<proc>`: unique across processes; `at` first, so it reads as a time. */
  get id(): string {
    return `${this.at}-${this.seq}-${this.proc}`;
  }

  get isError(): boolean {
    return this.status === 'error';
  }

  /** The message, redacted (and cut to `MAX_MESSAGE_CHARS`) on first use. */
  get message(): string | undefined {
    if (!this.clean && this.text !== undefined) {
      const cut =
        this.text.length > MAX_MESSAGE_CHARS ? `${this.text.slice(0, MAX_MESSAGE_CHARS - 1)}…` : this.text;
      this.text = redactText(cut);
    }
    this.clean = true;
    return this.text;
  }

  /** The meta fields with secret-named ones masked, on first use. */
  get meta(): EventMeta | undefined {
    if (!this.cleanMeta && this.fields !== undefined) this.fields = redactValue(this.fields) as EventMeta;
    this.cleanMeta = true;
    return this.fields;
  }

  toEvent(): ConnectionEvent {
    const message = this.message;
    const meta = this.meta;
    return {
      id: this.id,
      org: this.org,
      type: this.type,
      status: this.status,
      at: this.at,
      ...(this.latencyMs !== undefined && { latencyMs: this.latencyMs }),
      ...(message !== undefined && { message }),
      ...(meta !== undefined && { meta }),
    };
  }
}

/** Time order of events: `at`, then the process, then its sequence number. */
export function compareEvents(a: StoredEvent, b: StoredEvent): number {
  return a.at - b.at || (a.proc < b.proc ? -1 : a.proc > b.proc ? 1 : 0) || a.seq - b.seq;
}

/** A position in that order, as a paging cursor names it (the id of the last event of a page). */
export interface EventPosition {
  readonly at: number;
  readonly seq: number;
  readonly proc: string;
}

const ID = /^(\d{1,16})-(\d{1,16})-([0-9a-f]{12})$/;

/** The position an event id names, or undefined when it is not an event id. */
export function parseEventId(id: string): EventPosition | undefined {
  const m = ID.exec(id);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  return { at: Number(m[1]), seq: Number(m[2]), proc: m[3] };
}

/** True when `e` comes strictly before `p` in time order. */
export function isBefore(e: StoredEvent, p: EventPosition): boolean {
  if (e.at !== p.at) return e.at < p.at;
  if (e.proc !== p.proc) return e.proc < p.proc;
  return e.seq < p.seq;
}
