import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { SampleValue } from '../contract/index.ts';

/** `[timestamp ms, value]`: the newest point of one series. */
export const LiveSample = Type.Tuple([Type.Integer({ minimum: 0 }), SampleValue]);
export type LiveSample = Static<typeof LiveSample>;

/** A connection event as live clients get it (docs/events.md "Live"): ms and ISO time. */
export const LiveConnectionEvent = Type.Object({
  id: Type.String(),
  type: Type.String(),
  status: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  at: Type.Integer(),
  time: Type.Union([Type.String(), Type.Null()]),
  latencyMs: Type.Optional(Type.Number()),
  message: Type.Optional(Type.String()),
  meta: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
});

/**
 * What a live client is told. `samples`: the newest points of a host's series (series key → point),
 * at most about once a second per host. `host`: a host was created, changed or deleted. `events`:
 * connection events recorded since the last such message (for clients that asked with `?events=true`).
 */
export const LiveEvent = Type.Union([
  Type.Object({
    type: Type.Literal('samples'),
    host: Type.String(),
    samples: Type.Record(Type.String(), LiveSample),
  }),
  Type.Object({
    type: Type.Literal('host'),
    host: Type.String(),
    change: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('deleted')]),
  }),
  Type.Object({ type: Type.Literal('events'), events: Type.Array(LiveConnectionEvent) }),
]);
export type LiveEvent = Static<typeof LiveEvent>;
export type HostChangeKind = Extract<LiveEvent, { type: 'host' }>['change'];

/** One pub/sub message: the event, its org, and the process that sent it (which delivered it locally). */
const Envelope = Type.Object({ origin: Type.String(), org: Type.String(), event: LiveEvent });
export type LiveEnvelope = Static<typeof Envelope>;

const checkEnvelope = Compile(Envelope);

export function encodeEnvelope(envelope: LiveEnvelope): string {
  return JSON.stringify(envelope);
}

/** The envelope in a pub/sub message, or undefined for anything else on the channel. */
export function decodeEnvelope(text: string): LiveEnvelope | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return checkEnvelope.Check(parsed) ? parsed : undefined;
}

/**
 * The pub/sub channel of an org's live events. Channels are not keys (they hold nothing), but they
 * carry the key prefix so two Vitals installations sharing one Redis stay apart.
 */
export function liveChannel(prefix: string, org: string): string {
  return `${prefix}live:${org}`;
}
