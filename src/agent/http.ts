import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** Bodies of answers are read up to this many bytes (error messages, the ingest result). */
const MAX_BODY = 64 * 1024;

/**
 * One HTTP request with Node's own client: lighter than `fetch` (undici costs several MB of RSS, a lot
 * for an agent). Rejects on network errors and when `timeoutMs` passes without the whole answer.
 */
export function httpSend(req: HttpRequest): Promise<HttpResponse> {
  const send = req.url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) };
    const outgoing = send(req.url, { method: req.method, headers, signal: req.signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY) chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(
      () => outgoing.destroy(new Error(`no complete answer within ${req.timeoutMs} ms`)),
      req.timeoutMs,
    );
    outgoing.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    outgoing.end(req.body);
  });
}

/** The server's `{error: {code, message}}`, or the start of whatever else it answered. */
export function errorMessage(res: HttpResponse): string {
  try {
    const parsed: unknown = JSON.parse(res.body);
    if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) {
      const error: unknown = parsed.error;
      if (
        typeof error === 'object' &&
        error !== null &&
        'message' in error &&
        typeof error.message === 'string'
      ) {
        const code = 'code' in error && typeof error.code === 'string' ? `${error.code}: ` : '';
        return `${code}${error.message}`;
      }
    }
  } catch {
    // not JSON
  }
  return res.body.slice(0, 200) || `HTTP ${res.status}`;
}
