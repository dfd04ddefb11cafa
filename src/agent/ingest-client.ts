import { gzipSync } from 'node:zlib';
import type { IngestRequest } from '../contract/wire.ts';
import { parseRetryAfter } from './backoff.ts';
import { errorMessage, type HttpResponse, httpSend } from './http.ts';

/** What the agent does with a batch after one attempt. */
export type Outcome =
  /** 2xx: durable on the server. */
  | { kind: 'stored'; status: number }
  /** 429, 5xx, network error…: the same batch, with the same key, later. */
  | { kind: 'retry'; status?: number; retryAfterMs?: number; reason: string }
  /** 400, 413, 422 and other 4xx: this batch can never be accepted; log it and drop it. */
  | { kind: 'reject'; status: number; reason: string }
  /** 401, 403: the token is wrong; nothing will get through until an operator fixes it. */
  | { kind: 'fatal'; status: number; reason: string };

export interface IngestTarget {
  /** Base URL without a trailing slash. */
  readonly server: string;
  readonly token: string;
  readonly timeoutMs: number;
}

/** Bodies above this are gzipped (catch-up batches); one snapshot (~2 kB) is sent as it is. */
const GZIP_ABOVE = 4096;

/**
 * Statuses a retry can cure besides 429 and 5xx: 404 and 3xx mean a wrong URL or a server being
 * replaced, which an operator fixes without the data being lost meanwhile; 408 and 425 are timing;
 * 409 is a concurrent request with the same idempotency key still in flight.
 */
const RETRYABLE_4XX = new Set([404, 408, 409, 425, 429]);

export function classify(res: HttpResponse, now: number = Date.now()): Outcome {
  const { status } = res;
  if (status >= 200 && status < 300) return { kind: 'stored', status };
  const reason = errorMessage(res);
  if (status === 401 || status === 403) return { kind: 'fatal', status, reason };
  const retryAfterMs = parseRetryAfter(headerText(res.headers['retry-after']), now);
  if (status >= 500 || status < 400 || RETRYABLE_4XX.has(status)) {
    return { kind: 'retry', status, reason, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  return { kind: 'reject', status, reason };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `POST {server}/api/v1/ingest` with the batch's idempotency key; never throws. */
export async function postIngest(
  target: IngestTarget,
  body: IngestRequest,
  idempotencyKey: string,
  signal?: AbortSignal,
): Promise<Outcome> {
  const json = Buffer.from(JSON.stringify(body));
  const gzip = json.length > GZIP_ABOVE;
  try {
    const res = await httpSend({
      method: 'POST',
      url: `${target.server}/api/v1/ingest`,
      headers: {
        authorization: `Bearer ${target.token}`,
        'content-type': 'application/json',
        'idempotency-key': idempotencyKey,
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      },
      body: gzip ? gzipSync(json) : json,
      timeoutMs: target.timeoutMs,
      ...(signal ? { signal } : {}),
    });
    return classify(res);
  } catch (err: unknown) {
    const code = err instanceof Error && 'code' in err ? ` (${String(err.code)})` : '';
    return { kind: 'retry', reason: `${err instanceof Error ? err.message : String(err)}${code}` };
  }
}
