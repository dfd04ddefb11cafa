import type { EventInput } from './contract.ts';

/** What the HTTP layer knows of one push request when its answer has gone out. */
/** The wire format of a push, as `meta.format` of its event. */
export type PushFormat = 'json' | 'influx' | 'prom-remote-write' | 'otlp';

export interface PushOutcome {
  /** The caller's org (known once its token was accepted). */
  readonly org: string;
  readonly format: PushFormat;
  readonly statusCode: number;
  /** From the request's arrival to the answer. */
  readonly latencyMs: number;
  /** The parsed JSON body (`/ingest`): the first host id and the number of hosts are taken from it. */
  readonly body?: unknown;
  /** `?host=` of a line-protocol or remote_write push. */
  readonly queryHost?: string;
  /** The error message of a refused push. */
  readonly error?: string;
}

function hostsOf(body: unknown): { first?: string; count: number } {
  if (typeof body !== 'object' || body === null) return { count: 0 };
  const hosts: unknown = Reflect.get(body, 'hosts');
  if (!Array.isArray(hosts)) return { count: 0 };
  const first: unknown = hosts[0] === undefined ? undefined : Reflect.get(Object(hosts[0]), 'host');
  return { count: hosts.length, ...(typeof first === 'string' && { first: first.slice(0, 128) }) };
}

/**
 * An agent's push (`POST /api/v1/ingest`, `/api/v1/write`) as an `agent-push` event: ok for a 2xx,
 * error otherwise, with the request's latency and `meta.host`, `meta.hosts`, `meta.format` and
 * `meta.code`. The built-in local agent pushes in-process and is not recorded.
 *
 * A push refused before its token was known (401) is not recorded: it names no org, and recording it
 * would let anyone without a token push the default org's own events out of its ring.
 */
export function pushEvent(outcome: PushOutcome): EventInput {
  const ok = outcome.statusCode < 400;
  const { first, count } = hostsOf(outcome.body);
  const host = first ?? outcome.queryHost?.slice(0, 128);
  return {
    type: 'agent-push',
    org: outcome.org,
    status: ok ? 'ok' : 'error',
    latencyMs: Math.round(outcome.latencyMs * 100) / 100,
    ...(!ok && { message: outcome.error ?? `answered ${outcome.statusCode}` }),
    meta: {
      format: outcome.format,
      code: outcome.statusCode,
      ...(host !== undefined && { host }),
      ...(count > 0 && { hosts: count }),
    },
  };
}
